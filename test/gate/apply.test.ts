import { describe, expect, it } from "vitest";
import type { Waiver } from "../../src/engine/types.js";
import { applyGate } from "../../src/gate/apply.js";
import { buildBaseline } from "../../src/gate/baseline.js";
import { auditPolicy, evaluatedReport, mfaPolicy, prodSnapshot } from "./report.js";

const AS_OF = "2026-06-01T00:00:00Z";
const loc = (line: number) => ({ path: "waivers.yaml", line, column: 5 });
const waiver = (w: Partial<Waiver> & { policy: string }, line = 2): Waiver => ({ reason: "accepted", owner: "ops", expires: "2026-12-31", location: loc(line), ...w });

// prod: u-1 and u-2 lack MFA (high), audit logging off (medium).
const fresh = () => evaluatedReport([prodSnapshot()]);

describe("a report before the gate", () => {
  it("fails on the MFA findings at the default threshold", () => {
    const r = fresh();
    expect(r.findings.map((f) => `${f.policyId} ${f.subject}`)).toEqual(["CA-ACC-101 users/u-1", "CA-ACC-101 users/u-2", "CA-AUD-102 snapshot"]);
    expect(r.summary).toMatchObject({ gateFindings: 2, exitCode: 1 });
  });
});

describe("waivers", () => {
  it("a waived finding stays in the report with who accepted it, why and until when, and does not fail the gate", () => {
    const r = applyGate(fresh(), {
      asOf: AS_OF,
      waivers: [waiver({ policy: "CA-ACC-101", snapshot: "prod", subject: "users/u-1", reason: "break-glass", owner: "alice" })],
    });
    const u1 = r.findings.find((f) => f.subject === "users/u-1")!;
    expect(u1.status).toBe("waived");
    expect(u1.waiver).toEqual({ reason: "break-glass", owner: "alice", expires: "2026-12-31" });
    expect(r.findings.find((f) => f.subject === "users/u-2")!.status).toBe("fail");
    expect(r.summary.findings).toMatchObject({ total: 3, failing: 2, waived: 1 });
    expect(r.summary).toMatchObject({ gateFindings: 1, exitCode: 1 });
    expect(r.results.find((x) => x.policyId === "CA-ACC-101")).toMatchObject({ status: "fail", failed: 2, waived: 1 });
  });

  it("a result whose failing subjects are all waived is waived, and a fully waived run exits 0 and lists its waivers", () => {
    const r = applyGate(fresh(), { asOf: AS_OF, waivers: [waiver({ policy: "CA-ACC-101" }), waiver({ policy: "CA-AUD-102", snapshot: "prod" }, 8)] });
    expect(r.findings.every((f) => f.status === "waived")).toBe(true);
    expect(r.results.map((x) => [x.policyId, x.status, x.waived])).toEqual([["CA-ACC-101", "waived", 2], ["CA-AUD-102", "waived", 1]]);
    expect(r.summary.results).toMatchObject({ fail: 0, waived: 2 });
    expect(r.summary).toMatchObject({ gateFindings: 0, exitCode: 0 });
    expect(r.waivers).toEqual([
      expect.objectContaining({ policy: "CA-ACC-101", state: "active", matched: 2 }),
      expect.objectContaining({ policy: "CA-AUD-102", state: "active", matched: 1 }),
    ]);
    expect(r.warnings).toEqual([]);
  });

  it("an expired waiver stops applying: its findings fail again and the run says so loudly", () => {
    const waivers = [waiver({ policy: "CA-ACC-101", expires: "2026-05-31", owner: "alice" })];
    const r = applyGate(fresh(), { asOf: AS_OF, waivers });
    expect(r.findings.filter((f) => f.policyId === "CA-ACC-101").map((f) => f.status)).toEqual(["fail", "fail"]);
    expect(r.summary).toMatchObject({ gateFindings: 2, exitCode: 1 });
    expect(r.waivers).toEqual([expect.objectContaining({ state: "expired", matched: 2 })]);
    expect(r.warnings).toEqual([
      "EXPIRED waiver CA-ACC-101 (every snapshot and subject; waivers.yaml:2:5) expired 2026-05-31 (owner alice): it no longer applies, the 2 findings it matches fail again; renew or remove it",
    ]);
  });

  it("a date waiver still applies during its last day and not after it", () => {
    const waivers = [waiver({ policy: "CA-ACC-101", expires: "2026-06-01" }), waiver({ policy: "CA-AUD-102", expires: "2026-06-01" })];
    expect(applyGate(fresh(), { asOf: "2026-06-01T23:59:59Z", waivers }).summary.exitCode).toBe(0);
    expect(applyGate(fresh(), { asOf: "2026-06-02T00:00:00Z", waivers }).summary.exitCode).toBe(1);
  });

  it("warns about waivers expiring within the warning window (14 days unless told), not beyond it", () => {
    const waivers = [waiver({ policy: "CA-ACC-101", expires: "2026-06-10", owner: "alice" }), waiver({ policy: "CA-AUD-102", expires: "2026-06-20" }, 8)];
    const r = applyGate(fresh(), { asOf: AS_OF, waivers });
    expect(r.warnings).toEqual([
      "waiver CA-ACC-101 (every snapshot and subject; waivers.yaml:2:5) expires 2026-06-10, in 10 days (owner alice): renew it or fix the 2 findings",
    ]);
    expect(applyGate(fresh(), { asOf: AS_OF, waivers, warnWithinDays: 30 }).warnings).toHaveLength(2);
    expect(applyGate(fresh(), { asOf: AS_OF, waivers, warnWithinDays: 0 }).warnings).toEqual([]);
    expect(r.waivers!.map((w) => w.state)).toEqual(["active", "active"]);
  });

  it("a waiver that matches nothing is stale, and says when its policy did not run", () => {
    const waivers = [
      waiver({ policy: "CA-ACC-101", subject: "users/u-3" }),
      waiver({ policy: "CA-ACC-101", snapshot: "staging" }, 8),
      waiver({ policy: "CA-XYZ-999" }, 14),
    ];
    const r = applyGate(fresh(), { asOf: AS_OF, waivers });
    expect(r.waivers!.map((w) => [w.state, w.matched])).toEqual([["stale", 0], ["stale", 0], ["stale", 0]]);
    expect(r.warnings).toEqual([
      "stale waiver CA-ACC-101 (subject users/u-3; waivers.yaml:2:5) matches no finding: remove it or correct its policy, snapshot or subject",
      "stale waiver CA-ACC-101 (snapshot staging; waivers.yaml:8:5) matches no finding: remove it or correct its policy, snapshot or subject",
      "stale waiver CA-XYZ-999 (every snapshot and subject; waivers.yaml:14:5) matches no finding (policy CA-XYZ-999 did not run in this scan): remove it or correct its policy, snapshot or subject",
    ]);
    expect(r.summary.exitCode).toBe(1);
  });

  it("lists expired waivers before other warnings", () => {
    const r = applyGate(fresh(), { asOf: AS_OF, waivers: [waiver({ policy: "CA-XYZ-999" }), waiver({ policy: "CA-ACC-101", expires: "2026-01-01" }, 8)] });
    expect(r.warnings[0]).toMatch(/^EXPIRED waiver CA-ACC-101/);
    expect(r.warnings[1]).toMatch(/^stale waiver CA-XYZ-999/);
  });

  it("when several waivers match, the narrowest one is shown and the broad one still covers the rest", () => {
    const waivers = [waiver({ policy: "CA-ACC-101", reason: "team-wide" }), waiver({ policy: "CA-ACC-101", subject: "users/u-2", reason: "u-2 only" }, 8)];
    const r = applyGate(fresh(), { asOf: AS_OF, waivers });
    expect(r.findings.filter((f) => f.policyId === "CA-ACC-101").map((f) => f.waiver?.reason)).toEqual(["team-wide", "u-2 only"]);
    expect(r.waivers!.map((w) => w.matched)).toEqual([1, 1]);
  });

  it("an expired waiver does not hide an active one for the same finding", () => {
    const waivers = [waiver({ policy: "CA-ACC-101", subject: "users/u-1", expires: "2026-01-01" }), waiver({ policy: "CA-ACC-101" }, 8)];
    const r = applyGate(fresh(), { asOf: AS_OF, waivers });
    expect(r.findings.find((f) => f.subject === "users/u-1")!.status).toBe("waived");
    expect(r.waivers!.map((w) => w.state)).toEqual(["expired", "active"]);
  });

  it("does not read the wall clock: the same inputs give the same report", () => {
    const waivers = [waiver({ policy: "CA-ACC-101", expires: "2026-06-10" })];
    expect(applyGate(fresh(), { asOf: AS_OF, waivers })).toEqual(applyGate(fresh(), { asOf: AS_OF, waivers }));
  });

  it("leaves report.waivers out when no waivers file was given", () => {
    expect(applyGate(fresh(), { asOf: AS_OF })).not.toHaveProperty("waivers");
  });

  it("--fail-on none never fails and --fail-on medium also fails on the medium finding", () => {
    expect(applyGate(evaluatedReport([prodSnapshot()], undefined, AS_OF, "none"), { asOf: AS_OF }).summary).toMatchObject({ gateFindings: 0, exitCode: 0 });
    const medium = applyGate(evaluatedReport([prodSnapshot()], undefined, AS_OF, "medium"), { asOf: AS_OF, waivers: [waiver({ policy: "CA-ACC-101" })] });
    expect(medium.summary).toMatchObject({ gateFindings: 1, exitCode: 1 });
  });
});

describe("baselines", () => {
  it("a rescan against its own baseline has only unchanged findings and passes", () => {
    const baseline = buildBaseline(fresh());
    const r = applyGate(fresh(), { asOf: AS_OF, baseline });
    expect(r.findings.map((f) => f.baselineState)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(r.summary.findings).toMatchObject({ new: 0, fixed: 0, failing: 3 });
    expect(r.summary).toMatchObject({ gateFindings: 0, exitCode: 0 });
  });

  it("a new violation fails; a fixed one is counted", () => {
    const baseline = buildBaseline(fresh());
    // u-1 got MFA, u-3 lost it.
    const later = evaluatedReport([prodSnapshot("prod", [["u-1", true], ["u-2", false], ["u-3", false]])]);
    const r = applyGate(later, { asOf: AS_OF, baseline });
    expect(r.findings.map((f) => `${f.subject} ${f.baselineState}`)).toEqual(["users/u-2 unchanged", "users/u-3 new", "snapshot unchanged"]);
    expect(r.summary.findings).toMatchObject({ new: 1, fixed: 1 });
    expect(r.summary).toMatchObject({ gateFindings: 1, exitCode: 1 });
  });

  it("fingerprints survive a renamed input file", () => {
    const baseline = buildBaseline(fresh());
    const moved = prodSnapshot();
    const renamed = evaluatedReport([{ ...moved, path: "elsewhere/renamed.yaml" }]);
    expect(applyGate(renamed, { asOf: AS_OF, baseline }).summary.findings.new).toBe(0);
  });

  it("does not count as fixed the findings of snapshots or policies that were not in this scan", () => {
    const baseline = buildBaseline(evaluatedReport([prodSnapshot("prod"), prodSnapshot("staging")]));
    const onlyProdMfa = evaluatedReport([prodSnapshot("prod")], [mfaPolicy]);
    const r = applyGate(onlyProdMfa, { asOf: AS_OF, baseline });
    expect(r.summary.findings).toMatchObject({ new: 0, fixed: 0 });
    const auditFixed = evaluatedReport([prodSnapshot("prod", undefined, true)], [mfaPolicy, auditPolicy]);
    expect(applyGate(auditFixed, { asOf: AS_OF, baseline }).summary.findings.fixed).toBe(1);
  });

  it("a waived finding can also be unchanged; the two do not interfere", () => {
    const baseline = buildBaseline(fresh());
    const r = applyGate(fresh(), { asOf: AS_OF, baseline, waivers: [waiver({ policy: "CA-ACC-101", subject: "users/u-1" })] });
    expect(r.findings[0]).toMatchObject({ status: "waived", baselineState: "unchanged" });
  });
});

describe("an untrusted run stays untrusted", () => {
  it("keeps exit code 2 when an input failed, whatever the waivers", () => {
    const r = fresh();
    r.inputs.push({ path: "broken.yaml", sha256: "", platform: "unknown", status: "error", error: { message: "bad" } });
    r.summary.exitCode = 2;
    expect(applyGate(r, { asOf: AS_OF, waivers: [waiver({ policy: "CA-ACC-101" }), waiver({ policy: "CA-AUD-102" })] }).summary.exitCode).toBe(2);
  });
});
