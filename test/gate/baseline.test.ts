import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidDocument } from "../../src/config/config.js";
import { fingerprint } from "../../src/engine/evaluate.js";
import { buildBaseline, loadBaseline, renderBaseline } from "../../src/gate/baseline.js";
import { evaluatedReport, prodSnapshot } from "./report.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-baseline-"));

describe("writing a baseline", () => {
  const report = evaluatedReport([prodSnapshot("prod"), prodSnapshot("alpha")], undefined, "2026-06-01T08:00:00.000Z");
  const baseline = buildBaseline(report);

  it("records every finding's fingerprint with what it is about, sorted, at the scan's clock", () => {
    expect(baseline).toMatchObject({ version: 1, tool: { name: "chataudit", version: "0.1.0" }, createdAt: "2026-06-01T08:00:00.000Z" });
    expect(baseline.fingerprints.map((e) => `${e.policyId} ${e.snapshot} ${e.subject} ${e.severity}`)).toEqual([
      "CA-ACC-101 alpha users/u-1 high",
      "CA-ACC-101 alpha users/u-2 high",
      "CA-ACC-101 prod users/u-1 high",
      "CA-ACC-101 prod users/u-2 high",
      "CA-AUD-102 alpha snapshot medium",
      "CA-AUD-102 prod snapshot medium",
    ]);
    expect(baseline.fingerprints[0]!.fingerprint).toBe(fingerprint("CA-ACC-101", "alpha", "users/u-1"));
  });

  it("reads back what it wrote", async () => {
    const path = join(dir, "baseline.json");
    writeFileSync(path, renderBaseline(baseline));
    expect(await loadBaseline(path)).toEqual(baseline);
  });
});

describe("reading a baseline", () => {
  it("refuses a file that is not a baseline, at the offending line", async () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, `{
  "version": 1,
  "tool": { "name": "chataudit", "version": "0.1.0" },
  "createdAt": "2026-06-01T00:00:00Z",
  "fingerprints": [
    { "fingerprint": "abc", "policyId": "CA-ACC-101", "snapshot": "prod", "subject": "users/u-1", "severity": "high" }
  ]
}
`);
    const error = await loadBaseline(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDocument);
    expect((error as InvalidDocument).format()).toMatch(new RegExp(`bad\\.json:6:\\d+: \`fingerprints\\.0\\.fingerprint\` must match pattern`));
  });

  it("refuses a version it does not know", async () => {
    const path = join(dir, "v2.json");
    writeFileSync(path, `{"version": 2, "tool": {"name": "chataudit", "version": "9"}, "createdAt": "2026-06-01T00:00:00Z", "fingerprints": []}`);
    const error = (await loadBaseline(path).catch((e: unknown) => e)) as InvalidDocument;
    expect(error.problems.map((p) => p.message)).toEqual(["`version` must be 1"]);
  });

  it("refuses an empty file", async () => {
    const path = join(dir, "empty.json");
    writeFileSync(path, "");
    await expect(loadBaseline(path)).rejects.toThrow("empty baseline file");
  });
});
