// Packing a snapshot's results and findings for the trip from a worker: unpacked, they are the originals.

import { describe, expect, it } from "vitest";
import { compileWork, processCandidate, type InputWork } from "../../src/engine/parallel.js";
import { packSnapshot, policyIndex, unpackSnapshot } from "../../src/engine/transfer.js";
import { loadPolicies } from "../../src/policy/load.js";
import { expandInputs } from "../../src/snapshot/load.js";
import { REPO } from "../helpers.js";
import { prerenderedJson } from "../../src/reports/prerendered.js";
import { renderJson } from "../../src/reports/json.js";
import { applyGate } from "../../src/gate/apply.js";
import type { ScanReport } from "../../src/engine/types.js";

const AS_OF = "2026-09-28T06:00:00Z";

async function evaluated() {
  const { policies } = await loadPolicies({ precompiled: false });
  const load = { asOf: AS_OF, root: REPO };
  const work: InputWork = { load, root: REPO, asOf: Date.parse(AS_OF), policies, overrides: {} };
  const compiled = compileWork(work);
  // The example snapshots and the native configs: findings located in the input and in files beside it.
  const { candidates } = await expandInputs(["fixtures/snapshots", "fixtures/native"], load);
  const outcomes = [];
  for (const c of candidates) {
    const o = await processCandidate(c, work, compiled);
    if (o.kind === "snapshot") outcomes.push(o);
  }
  return { compiled, outcomes };
}

describe("outcomes packed for the main thread", () => {
  it("unpack to results and findings that serialise byte for byte as the originals", async () => {
    const { compiled, outcomes } = await evaluated();
    const indexOf = policyIndex(compiled);
    expect(outcomes.length).toBeGreaterThan(5);
    let findings = 0;
    for (const o of outcomes) {
      const packed = packSnapshot(o, compiled, indexOf);
      expect(packed, o.record.path).toBeDefined();
      // What crosses the thread boundary is a structured clone.
      const back = unpackSnapshot(structuredClone(packed!), compiled);
      expect(JSON.stringify(back.results)).toBe(JSON.stringify(o.results));
      expect(JSON.stringify(back.findings)).toBe(JSON.stringify(o.findings));
      findings += o.findings.length;
    }
    expect(findings).toBeGreaterThan(50);
  });

  it("brings each object's JSON text from the worker, and the report never writes stale text", async () => {
    const { compiled, outcomes } = await evaluated();
    const o = outcomes.find((x) => x.findings.length > 3)!;
    const back = unpackSnapshot(structuredClone(packSnapshot(o, compiled, policyIndex(compiled))!), compiled);
    for (const value of [...back.results, ...back.findings]) expect(prerenderedJson(value)).toBe(JSON.stringify(value));
    const report = (results: typeof o.results, findings: typeof o.findings): ScanReport => ({
      tool: { name: "chataudit", version: "0", policyPackVersion: "0" }, asOf: AS_OF, inputs: [o.record],
      summary: undefined as never, results, findings, policies: [], warnings: [],
    });
    expect(renderJson(report(back.results, back.findings))).toBe(renderJson(report(o.results, o.findings)));
    // A waiver changes a finding and its result: the gate's new objects are rendered afresh, not from the old text.
    const target = back.findings[0]!;
    const waiver = { policy: target.policyId, snapshot: target.snapshot, subject: target.subject, reason: "accepted", owner: "sec", expires: "2099-01-01" };
    const gated = applyGate({ ...report(back.results, back.findings), summary: { policies: compiled.length, failOn: "high", exitCode: 0 } as never }, { asOf: AS_OF, waivers: [waiver] });
    const text = renderJson(gated);
    const line = text.split("\n").find((l) => l.includes(`"fingerprint":"${target.fingerprint}"`))!;
    expect(line).toContain('"status":"waived"');
    expect(line).toContain('"waiver":{"reason":"accepted"');
  });

  it("leaves out what the policy gives: a packed finding is much smaller than the finding", async () => {
    const { compiled, outcomes } = await evaluated();
    const o = outcomes.find((x) => x.findings.length > 5)!;
    const packed = packSnapshot(o, compiled, policyIndex(compiled))!;
    expect(JSON.stringify(packed.findings).length).toBeLessThan(JSON.stringify(o.findings).length * 0.75);
    expect(JSON.stringify(packed.results).length).toBeLessThan(JSON.stringify(o.results).length * 0.4);
  });

  it("refuses what evaluateSnapshot does not make, so it is sent whole instead", async () => {
    const { compiled, outcomes } = await evaluated();
    const indexOf = policyIndex(compiled);
    const o = outcomes.find((x) => x.findings.length > 0)!;
    const waived = { ...o, findings: [{ ...o.findings[0]!, status: "waived" as const }] };
    expect(packSnapshot(waived, compiled, indexOf)).toBeUndefined();
    const retitled = { ...o, findings: [{ ...o.findings[0]!, title: "something else" }] };
    expect(packSnapshot(retitled, compiled, indexOf)).toBeUndefined();
    const reordered = { ...o, results: [...o.results].reverse() };
    expect(packSnapshot(reordered, compiled, indexOf)).toBeUndefined();
    const unknownPolicy = { ...o, findings: [{ ...o.findings[0]!, policyId: "CA-XXX-999" }] };
    expect(packSnapshot(unknownPolicy, compiled, indexOf)).toBeUndefined();
  });
});
