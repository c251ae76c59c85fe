// Sharded scans merged: the same report as one scan of every input, whatever order the shards come in.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSnapshotFile, BENCH_AS_OF } from "../../bench/generate.js";
import type { ScanReport } from "../../src/engine/types.js";
import { InputError } from "../../src/errors.js";
import { asShard, mergeReports, type Shard } from "../../src/merge.js";
import { renderJson } from "../../src/reports/json.js";
import { scan } from "../../src/scan.js";
import { cli } from "../cli/run.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-merge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHARDS = ["shard-a", "shard-b", "shard-c"];
const scanOf = (inputs: string[]) => scan({ inputs, asOf: BENCH_AS_OF, root: dir, failOn: "high" });
let single: ScanReport;
let shards: Shard[];

beforeAll(async () => {
  // Nine tenants dealt round-robin to three shards, so that shards interleave in path order.
  for (const s of SHARDS) mkdirSync(join(dir, s), { recursive: true });
  for (let t = 0; t < 9; t += 1) {
    const name = `tenant-${t}`;
    writeSnapshotFile(join(dir, SHARDS[t % 3]!, `${name}.json`), { name, seed: 100 + t, users: 15, endpoints: 4, backupRuns: 5 });
  }
  writeFileSync(join(dir, "shard-b", "broken.json"), "{ \"apiVersion\": ");
  single = await scanOf(SHARDS);
  shards = await Promise.all(SHARDS.map(async (s) => ({ path: `${s}.json`, report: await scanOf([s]) })));
}, 120_000);

describe("merging the reports of a sharded scan", () => {
  it("gives the report one scan of every input gives, byte for byte", () => {
    expect(single.findings.length).toBeGreaterThan(20);
    expect(single.inputs.some((i) => i.status === "error")).toBe(true);
    const { report, warnings } = mergeReports(shards);
    expect(warnings).toEqual([]);
    expect(renderJson(report)).toBe(renderJson(single));
  });

  it("does not depend on the order the reports are given in", () => {
    const forward = renderJson(mergeReports(shards).report);
    expect(renderJson(mergeReports([shards[2]!, shards[0]!, shards[1]!]).report)).toBe(forward);
    expect(renderJson(mergeReports([...shards].reverse()).report)).toBe(forward);
  });

  it("recomputes the summary and the gate, with --fail-on of its own if asked", () => {
    const { report } = mergeReports(shards, { failOn: "none" });
    expect(report.summary.findings.total).toBe(shards.reduce((n, s) => n + s.report.findings.length, 0));
    expect(report.summary.inputs).toBe(10);
    expect(report.summary.failOn).toBe("none");
    expect(report.summary.gateFindings).toBe(0);
    // A broken input in any shard makes the merged run untrusted, as it would a single scan.
    expect(report.summary.exitCode).toBe(2);
  });

  it("warns when the same snapshot name turns up in two shards", () => {
    const copy = structuredClone(shards[0]!);
    copy.path = "elsewhere.json";
    for (const i of copy.report.inputs) i.path = `copy/${i.path}`;
    for (const r of copy.report.results) r.input = `copy/${r.input}`;
    const { report, warnings } = mergeReports([...shards, copy]);
    const warning = warnings.find((w) => w.includes('"tenant-0"'));
    expect(warning).toContain("shard-a.json");
    expect(warning).toContain("elsewhere.json");
    expect(report.warnings).toEqual(expect.arrayContaining(warnings));
    expect(report.inputs).toHaveLength(10 + copy.report.inputs.length);
  });

  it("warns when shards were evaluated at different times or by different versions", () => {
    const later = structuredClone(shards[1]!);
    later.report.asOf = "2026-07-01T00:00:00.000Z";
    later.report.tool.version = "9.9.9";
    const { report, warnings } = mergeReports([shards[0]!, later]);
    expect(warnings.join("\n")).toMatch(/different times/);
    expect(warnings.join("\n")).toMatch(/different chataudit versions/);
    expect(report.asOf).toBe("2026-07-01T00:00:00.000Z");
  });

  it("adds up a waiver matched in several shards, and calls it stale only if it matched nowhere", () => {
    const waiver = { policy: "CA-ACC-009", reason: "accepted", owner: "sec", expires: "2027-01-01" };
    const a = structuredClone(shards[0]!);
    const b = structuredClone(shards[1]!);
    a.report.waivers = [{ ...waiver, state: "active", matched: 3 }, { ...waiver, policy: "CA-ACC-001", state: "stale", matched: 0 }];
    b.report.waivers = [{ ...waiver, state: "stale", matched: 0 }, { ...waiver, policy: "CA-ACC-001", state: "stale", matched: 0 }];
    const merged = mergeReports([a, b]).report.waivers!;
    expect(merged).toHaveLength(2);
    expect(merged.find((w) => w.policy === "CA-ACC-009")).toMatchObject({ state: "active", matched: 3 });
    expect(merged.find((w) => w.policy === "CA-ACC-001")).toMatchObject({ state: "stale", matched: 0 });
  });

  it("refuses files that are not chataudit reports, and reports edited out of shape, naming the file", () => {
    expect(() => asShard("x.json", { hello: 1 })).toThrowError(InputError);
    expect(() => asShard("x.json", [])).toThrowError(/x\.json|not a JSON object/);
    try {
      asShard("sarif.json", { version: "2.1.0", runs: [] });
    } catch (e) {
      expect((e as InputError).where?.file).toBe("sarif.json");
      expect((e as InputError).message).toMatch(/tool\.name/);
    }
    const edited = structuredClone(shards[0]!);
    edited.report.findings.reverse();
    expect(() => mergeReports([edited])).toThrowError(/does not follow its result/);
  });
});

describe("chataudit merge", () => {
  it("writes the merged JSON, SARIF and HTML and exits as the merged gate says", async () => {
    const files = shards.map((s) => {
      const path = join(dir, s.path);
      writeFileSync(path, renderJson(s.report));
      return path;
    });
    const out = join(dir, "merged");
    const result = await cli("merge", ...files, "--output", out, "--format", "json,sarif,html", "--fail-on", "critical");
    expect(result.stderr).toBe("");
    const merged = JSON.parse(readFileSync(join(out, "chataudit.json"), "utf8")) as ScanReport;
    expect(result.code).toBe(merged.summary.exitCode);
    expect(merged.findings).toHaveLength(single.findings.length);
    expect(merged.summary.failOn).toBe("critical");
    expect(existsSync(join(out, "chataudit.sarif"))).toBe(true);
    expect(readFileSync(join(out, "chataudit.html"), "utf8")).toContain("tenant-8");
  });

  it("exits 2 naming every file that is not a report, and writes nothing", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ runs: [] }));
    const out = join(dir, "never");
    const result = await cli("merge", bad, other, "--output", out);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("bad.json");
    expect(result.stderr).toContain("other.json");
    expect(existsSync(join(out, "chataudit.json"))).toBe(false);
  });
});
