import { describe, expect, it } from "vitest";
import { evaluateSnapshot, fingerprint } from "../../src/engine/evaluate.js";
import { AS_OF, inlinePolicy, snapshotOf } from "../helpers.js";

const idleAdmins = inlinePolicy(`
id: CA-ACC-901
params: { maxIdleDays: 90, adminRoles: [admin, system_admin] }
select: users
where: { and: [ { "==": [{ var: status }, active] }, { intersects: [{ var: roles }, { var: params.adminRoles }] } ] }
compute: { idleDays: { days_since: { var: lastActiveAt } } }
assert: { "<=": [ { var: computed.idleDays }, { var: params.maxIdleDays } ] }
requires: [users]
message: "Admin {{username}} idle for {{round computed.idleDays}} days (limit {{params.maxIdleDays}})"
`);

const users = [
  { id: "u1", username: "alice", roles: ["admin"], status: "active", lastActiveAt: "2026-05-30" },
  { id: "u2", username: "bob", roles: ["system_admin"], status: "active", lastActiveAt: "2025-12-01" },
  { id: "u3", username: "carol", roles: ["user"], status: "active", lastActiveAt: "2024-01-01" },
  { id: "u4", username: "dave", roles: ["admin"], status: "deactivated", lastActiveAt: "2024-01-01" },
] as const;

describe("evaluating a per-item policy", () => {
  const { results, findings } = evaluateSnapshot([idleAdmins], snapshotOf({ users: [...users] as never }), { asOf: AS_OF });

  it("judges only the items the where clause selects", () => {
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ policyId: "CA-ACC-901", status: "fail", evaluated: 2, failed: 1 });
  });

  it("reports each failing subject with its message, evidence and fingerprint", () => {
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.subject).toBe("users/u2");
    expect(f.message).toBe("Admin bob idle for 182 days (limit 90)");
    expect(f.evidence.expected).toEqual({ maxIdleDays: 90, adminRoles: ["admin", "system_admin"] });
    expect(f.evidence.actual["computed.idleDays"]).toBe(182);
    expect(f.fingerprint).toBe(fingerprint("CA-ACC-901", "test", "users/u2"));
    expect(f.location).toEqual({ path: "test.yaml", line: 1, column: 1 });
  });

  it("uses params overridden by the organisation", () => {
    const lenient = inlinePolicy(
      `
id: CA-ACC-902
params: { maxIdleDays: 90 }
select: users
assert: { "<=": [ { days_since: { var: lastActiveAt } }, { var: params.maxIdleDays } ] }
message: "{{username}} idle"
`,
      { maxIdleDays: 1000 },
    );
    const out = evaluateSnapshot([lenient], snapshotOf({ users: [...users] as never }), { asOf: AS_OF });
    expect(out.results[0]!.status).toBe("pass");
  });
});

describe("missing evidence", () => {
  it("is not-evaluated, never a silent pass", () => {
    const out = evaluateSnapshot([idleAdmins], snapshotOf({}), { asOf: AS_OF });
    expect(out.results[0]).toMatchObject({ status: "not-evaluated", reason: "missing evidence: users" });
    expect(out.findings).toEqual([]);
  });

  it("is not-evaluated when a select target is absent even without requires", () => {
    const p = inlinePolicy(`
select: backups.runs
assert: { "==": [ { var: encrypted }, true ] }
message: "Backup {{id}} is not encrypted"
`);
    const out = evaluateSnapshot([p], snapshotOf({ backups: {} }), { asOf: AS_OF });
    expect(out.results[0]).toMatchObject({ status: "not-evaluated", reason: "missing evidence: backups.runs" });
  });
});

describe("snapshot-level policies", () => {
  const backupAge = inlinePolicy(`
id: CA-BKP-901
params: { maxAgeHours: 26 }
requires: [backups.runs]
compute:
  ageHours: { hours_since: { latest: [ { map: [ { filter: [ { var: backups.runs }, { "==": [ { var: status }, success ] } ] }, { var: completedAt } ] } ] } }
assert: { and: [ { "!==": [ { var: computed.ageHours }, null ] }, { "<=": [ { var: computed.ageHours }, { var: params.maxAgeHours } ] } ] }
message: "Last successful backup {{round computed.ageHours}} h ago, limit {{params.maxAgeHours}} h"
`);

  it("passes when the latest successful run is recent", () => {
    const snap = snapshotOf({ backups: { runs: [{ completedAt: "2026-05-31T20:00:00Z", status: "success" }, { completedAt: "2026-05-31T23:00:00Z", status: "failed" }] } });
    const out = evaluateSnapshot([backupAge], snap, { asOf: AS_OF });
    expect(out.results[0]).toMatchObject({ status: "pass", evaluated: 1, failed: 0 });
  });

  it("fails with the computed age in the message when it is stale", () => {
    const snap = snapshotOf({ backups: { runs: [{ completedAt: "2026-05-29T00:00:00Z", status: "success" }] } }, "chat-prod");
    const out = evaluateSnapshot([backupAge], snap, { asOf: AS_OF });
    expect(out.findings[0]).toMatchObject({ subject: "snapshot", snapshot: "chat-prod", message: "Last successful backup 72 h ago, limit 26 h" });
  });

  it("fails when no run ever succeeded (null age is not compliant)", () => {
    const snap = snapshotOf({ backups: { runs: [{ completedAt: "2026-05-31T00:00:00Z", status: "failed" }] } });
    expect(evaluateSnapshot([backupAge], snap, { asOf: AS_OF }).results[0]!.status).toBe("fail");
  });
});

describe("subjects", () => {
  it("keeps duplicate keys apart by index", () => {
    const p = inlinePolicy(`
select: endpoints
assert: { "==": [ { var: tls.enabled }, true ] }
message: "{{name}} has no TLS"
`);
    const snap = snapshotOf({ endpoints: [{ name: "web", url: "http://a" }, { name: "web", url: "http://b" }] });
    const out = evaluateSnapshot([p], snap, { asOf: AS_OF });
    expect(out.findings.map((f) => f.subject)).toEqual(["endpoints/web", "endpoints/web#1"]);
  });
});

describe("platform applicability", () => {
  it("does not evaluate a platform-specific policy on another platform", () => {
    const p = inlinePolicy(`
platforms: [mattermost]
assert: true
message: "never fails here"
`);
    const out = evaluateSnapshot([p], snapshotOf({ metadata: { platform: "synapse" } as never }), { asOf: AS_OF });
    expect(out.results[0]).toMatchObject({ status: "not-evaluated", reason: "applies to mattermost only" });
  });
});

describe("per-item evidence", () => {
  const mfa = inlinePolicy(`
id: CA-ACC-903
select: users
where: { "==": [ { var: status }, active ] }
evidence: [mfa]
assert: { "==": [ { var: mfa }, true ] }
message: "{{username}} has no MFA"
`);

  it("is not-evaluated when no applicable item carries the evidence", () => {
    const snap = snapshotOf({ users: [{ id: "a", status: "active" }, { id: "b", status: "active" }] as never });
    expect(evaluateSnapshot([mfa], snap, { asOf: AS_OF }).results[0]).toMatchObject({
      status: "not-evaluated", evaluated: 0, reason: "missing evidence: users[].mfa (absent in all 2 applicable items)",
    });
  });

  it("judges the items that carry it and says how many could not be judged", () => {
    const snap = snapshotOf({ users: [{ id: "a", status: "active", mfa: false }, { id: "b", status: "active" }] as never });
    const out = evaluateSnapshot([mfa], snap, { asOf: AS_OF });
    expect(out.results[0]).toMatchObject({ status: "fail", evaluated: 1, failed: 1, reason: "1 of 2 applicable items not judged: users[].mfa missing" });
  });
});

describe("a finding's message context", () => {
  const protoKeys = inlinePolicy(`
id: CA-ACC-902
select: users
assert: { "===": [{ var: mfa }, true] }
message: "{{username}} [{{__proto__.note}}] [{{constructor}}] [{{params.x}}] [{{computed}}]"
params: { x: 7 }
`);

  it("keeps a member named __proto__ as data, reads own members only, and lets the scope's names win", () => {
    // As JSON.parse makes it: "__proto__" an own data member, not the object's prototype.
    const user = JSON.parse('{"id":"u1","username":"eve","mfa":false,"params":{"x":1},"__proto__":{"note":"own data"}}') as object;
    const { findings } = evaluateSnapshot([protoKeys], snapshotOf({ users: [user] as never }), { asOf: AS_OF });
    expect(findings[0]!.message).toBe("eve [own data] [] [7] [[object Object]]");
    // The parsed user itself is left as it was.
    expect(Object.getPrototypeOf(user)).toBe(Object.prototype);
  });
});

describe("a finding's message", () => {
  const spaced = inlinePolicy(`
id: CA-ACC-903
select: users
assert: { "===": [{ var: mfa }, true] }
message: "{{prefix}}{{username}}  has\\tno\\n MFA {{suffix}}"
`);

  it("is one line with single spaces, whatever the template and the values put in it", () => {
    const render = (user: Record<string, unknown>) =>
      evaluateSnapshot([spaced], snapshotOf({ users: [{ id: "u1", mfa: false, ...user }] as never }), { asOf: AS_OF }).findings[0]!.message;
    expect(render({ username: "eve", prefix: "", suffix: "" })).toBe("eve has no MFA");
    expect(render({ username: "eve", prefix: " \n", suffix: "\u00a0" })).toBe("eve has no MFA");
    expect(render({ username: "a\r\nb", prefix: "x", suffix: "!" })).toBe("xa b has no MFA !");
  });
});

describe("evidence of a snapshot-level policy", () => {
  const backupRule = inlinePolicy(`
id: CA-BKP-901
requires: [backups]
evidence:
  - backups.schedule.intervalHours
  - describe: a schedule in hours, not a cron line
    rule: { "==": [{ var: backups.schedule.kind }, hours] }
assert: { "<=": [{ var: backups.schedule.intervalHours }, 24] }
message: "Backups run every {{backups.schedule.intervalHours}} hours"
`);
  const judge = (schedule: Record<string, unknown>) =>
    evaluateSnapshot([backupRule], snapshotOf({ backups: { schedule } } as never), { asOf: AS_OF }).results[0]!;

  it("is not-evaluated, naming what is missing, when a path is absent or a rule does not hold", () => {
    expect(judge({ kind: "hours" })).toMatchObject({ status: "not-evaluated", evaluated: 0, reason: "missing evidence: backups.schedule.intervalHours, a schedule in hours, not a cron line" });
    expect(judge({ kind: "cron", intervalHours: 48 })).toMatchObject({ status: "not-evaluated", evaluated: 0 });
  });

  it("judges the snapshot when both are there", () => {
    expect(judge({ kind: "hours", intervalHours: 48 })).toMatchObject({ status: "fail", evaluated: 1, failed: 1 });
    expect(judge({ kind: "hours", intervalHours: 12 })).toMatchObject({ status: "pass", evaluated: 1 });
  });
});
