// Fuzzing the engine and the reporters: snapshots that follow the schema and snapshots that do not, enriched from
// the release catalogue and judged by the whole bundled pack, then rendered in every format. Nothing may throw:
// a policy that cannot judge a snapshot says so in its result, and every report is well-formed.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateSnapshot } from "../../src/engine/evaluate.js";
import type { InputRecord, ScanReport } from "../../src/engine/types.js";
import { applyGate } from "../../src/gate/apply.js";
import { summarize } from "../../src/gate/gate.js";
import { enrichWithCatalogue, loadReleaseCatalogue, type ReleaseCatalogue } from "../../src/policy/catalogue.js";
import { compilePolicy, type CompiledPolicy } from "../../src/policy/compile.js";
import { loadPolicies } from "../../src/policy/load.js";
import { renderConsole } from "../../src/reports/console.js";
import { renderGithub } from "../../src/reports/github.js";
import { FILE_FORMATS, loadFileFormats } from "../../src/reports/index.js";
import { policySummary } from "../../src/scan.js";
import { inMemorySnapshot } from "../../src/snapshot/provenance.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { parseXml } from "../reports/xml.js";
import { FUZZ, lawlessSnapshot, schemaSnapshot } from "./arbitraries.js";

const AS_OF = "2026-06-01T00:00:00.000Z";
let pack: CompiledPolicy[];
let catalogue: ReleaseCatalogue;

beforeAll(async () => {
  const { policies, errors } = await loadPolicies();
  expect(errors).toEqual([]);
  pack = policies.map((p) => compilePolicy(p)).sort((a, b) => a.policy.id.localeCompare(b.policy.id));
  catalogue = await loadReleaseCatalogue();
  await loadFileFormats();
});

/** What a scan of one input would report, built from the same pieces `scan` uses. */
function reportOf(snapshot: Snapshot): ScanReport {
  const enriched = enrichWithCatalogue(snapshot, catalogue).snapshot;
  const loaded = inMemorySnapshot(enriched, "fuzz/snapshot.yaml");
  const { results, findings } = evaluateSnapshot(pack, loaded, { asOf: Date.parse(AS_OF) });
  expect(results).toHaveLength(pack.length);
  const inputs: InputRecord[] = [{ path: loaded.path, sha256: "0".repeat(64), platform: loaded.platform, snapshot: enriched.metadata.name, collectedAt: enriched.metadata.collectedAt, status: "ok" }];
  const report: ScanReport = {
    tool: { name: "chataudit", version: "0.0.0-fuzz", policyPackVersion: "fuzz" },
    asOf: AS_OF,
    inputs,
    summary: summarize(inputs, results, findings, pack.length, "high"),
    results,
    findings,
    policies: pack.map(policySummary),
    warnings: [],
  };
  return applyGate(report, { asOf: AS_OF });
}

/** Every format, checked for what each must be whatever the values: parseable, one record per line, no raw escapes. */
function renderEverything(report: ScanReport): void {
  for (const [name, format] of Object.entries(FILE_FORMATS)) {
    const text = format.render(report);
    expect(typeof text, name).toBe("string");
    if (name === "json" || name === "sarif") JSON.parse(text);
    if (name === "junit") parseXml(text);
    if (name === "csv") expect(text.endsWith("\r\n")).toBe(true);
  }
  const terminal = renderConsole(report, { color: false }) + renderGithub(report);
  expect(terminal).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
}

describe("the engine and the reporters", () => {
  it("judge schema-shaped snapshots with every bundled policy and render them in every format", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(schemaSnapshot, (snapshot) => {
        const report = reportOf(snapshot as unknown as Snapshot);
        for (const r of report.results) {
          expect(r.status, `${r.policyId}: ${r.reason}`).not.toBe("error");
          seen.add(r.status);
        }
        renderEverything(report);
      }),
      { ...FUZZ, numRuns: 60 },
    );
    expect(seen).toEqual(new Set(["pass", "fail", "not-evaluated"]));
  });

  it("never throw on snapshots whose sections hold anything at all, and keep errors inside results", () => {
    fc.assert(
      fc.property(lawlessSnapshot, (snapshot) => {
        const report = reportOf(snapshot as unknown as Snapshot);
        for (const r of report.results) expect(["pass", "fail", "not-evaluated", "error"]).toContain(r.status);
        renderEverything(report);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { ...FUZZ, numRuns: 60 },
    );
  });
});
