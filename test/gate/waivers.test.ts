import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidDocument } from "../../src/config/config.js";
import { daysLeft, isExpired, loadWaivers, waiverEndsAt, waiverMatches } from "../../src/gate/waivers.js";
import { FIXTURES } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-waivers-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function problems(path: string): Promise<string[]> {
  try {
    await loadWaivers(path);
  } catch (e) {
    return e instanceof InvalidDocument ? e.problems.map((p) => p.format()) : [(e as { format(): string }).format()];
  }
  throw new Error("expected the waivers file to be refused");
}

describe("reading a waivers file", () => {
  it("reads waivers with their position in the file", async () => {
    const path = file("ok.yaml", `waivers:
  - policy: CA-ACC-101
    snapshot: prod
    subject: users/u-1
    reason: Break-glass account, MFA impossible by design
    owner: security@example.com
    expires: 2026-06-30
  - policy: CA-AUD-102
    reason: Audit log shipping is being migrated
    owner: ops
    expires: 2026-07-01T12:00:00Z
`);
    const waivers = await loadWaivers(path);
    expect(waivers).toHaveLength(2);
    expect(waivers[0]).toMatchObject({ policy: "CA-ACC-101", snapshot: "prod", subject: "users/u-1", expires: "2026-06-30", location: { path, line: 2, column: 5 } });
    expect(waivers[1]).not.toHaveProperty("snapshot");
    expect(waivers[1]!.location!.line).toBe(8);
  });

  it("accepts JSON and a top-level list", async () => {
    const path = file("list.json", `[
  {"policy": "CA-ACC-101", "reason": "r", "owner": "o", "expires": "2026-06-30"}
]`);
    const waivers = await loadWaivers(path);
    expect(waivers).toEqual([expect.objectContaining({ policy: "CA-ACC-101", location: { path, line: 2, column: 3 } })]);
  });

  it("treats an empty file as no waivers", async () => {
    expect(await loadWaivers(file("empty.yaml", ""))).toEqual([]);
  });

  it("refuses a waiver without reason, owner or expiry, naming file:line:column of that waiver", async () => {
    const path = file("missing.yaml", `waivers:
  - policy: CA-ACC-101
    owner: ops
    expires: 2026-06-30
  - policy: CA-ACC-101
    reason: known
    expires: 2026-06-30
  - policy: CA-ACC-101
    reason: known
    owner: ops
`);
    expect(await problems(path)).toEqual([
      `${path}:2:5: \`waivers.0\` is missing required field \`reason\``,
      `${path}:5:5: \`waivers.1\` is missing required field \`owner\``,
      `${path}:8:5: \`waivers.2\` is missing required field \`expires\``,
    ]);
  });

  it("refuses an expiry that is not a date and an unknown field, at the offending key", async () => {
    const path = file("bad.yaml", `waivers:
  - policy: CA-ACC-101
    reason: known
    owner: ops
    expires: next month
  - policy: CA-ACC-101
    reason: known
    owner: ops
    expires: 2026-02-30
  - policy: CA-ACC-101
    reason: known
    owner: ops
    expiry: 2026-06-30
    expires: 2026-06-30
`);
    expect(await problems(path)).toEqual([
      `${path}:5:5: \`waivers.0.expires\` must be an ISO 8601 date or date-time (e.g. 2026-11-29 or 2026-11-29T08:00:00Z)`,
      `${path}:9:5: \`waivers.1.expires\` must be an ISO 8601 date or date-time (e.g. 2026-11-29 or 2026-11-29T08:00:00Z)`,
      `${path}:13:5: \`waivers.2\` has unknown field \`expiry\``,
    ]);
  });

  it("refuses a malformed policy id and a blank reason or owner", async () => {
    const path = file("blank.yaml", `waivers:
  - policy: ca-acc-101
    reason: "   "
    owner: ops
    expires: 2026-06-30
  - policy: CA-ACC-101
    reason: known
    owner: ""
    expires: 2026-06-30
`);
    expect(await problems(path)).toEqual([
      `${path}:2:5: \`waivers.0.policy\` must be a policy id such as CA-ACC-001, got "ca-acc-101"`,
      `${path}:3:5: \`waivers.0.reason\` must not be blank: say why the risk is accepted`,
      `${path}:8:5: \`waivers.1.owner\` must not be blank: say who accepted it`,
    ]);
  });

  it("refuses a date-time without a time zone, which would depend on the machine", async () => {
    const path = file("tz.yaml", `- { policy: CA-ACC-101, reason: r, owner: o, expires: "2026-06-30T12:00:00" }\n`);
    expect((await problems(path))[0]).toMatch(/:1:\d+: `waivers\.0\.expires` must be an ISO 8601 date/);
  });

  it("names the line and column of a YAML syntax error", async () => {
    const path = file("syntax.yaml", `waivers:\n  - policy: CA-ACC-101\n   reason: [\n`);
    expect((await problems(path))[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: `));
  });

  it("says so when the file does not exist", async () => {
    expect(await problems(join(dir, "nope.yaml"))).toEqual([`${join(dir, "nope.yaml")}: cannot read file: no such file`]);
  });

  it("the example waivers file in fixtures/gate is valid", async () => {
    const waivers = await loadWaivers(join(FIXTURES, "gate", "waivers.yaml"));
    expect(waivers.length).toBeGreaterThan(0);
  });
});

describe("when a waiver expires", () => {
  it("a date covers that whole day in UTC", () => {
    const w = { expires: "2026-06-30" };
    expect(waiverEndsAt(w.expires)).toBe(Date.parse("2026-07-01T00:00:00Z"));
    expect(isExpired(w, Date.parse("2026-06-30T23:59:59.999Z"))).toBe(false);
    expect(isExpired(w, Date.parse("2026-07-01T00:00:00Z"))).toBe(true);
  });

  it("a date-time ends at that instant", () => {
    const w = { expires: "2026-06-30T12:00:00+02:00" };
    expect(isExpired(w, Date.parse("2026-06-30T09:59:59Z"))).toBe(false);
    expect(isExpired(w, Date.parse("2026-06-30T10:00:00Z"))).toBe(true);
  });

  it("counts the days left, rounded up", () => {
    expect(daysLeft({ expires: "2026-06-10" }, Date.parse("2026-06-01T00:00:00Z"))).toBe(10);
    expect(daysLeft({ expires: "2026-06-01" }, Date.parse("2026-06-01T18:00:00Z"))).toBe(1);
  });
});

describe("which findings a waiver covers", () => {
  const finding = { policyId: "CA-ACC-101", snapshot: "prod", subject: "users/u-1" };
  const base = { policy: "CA-ACC-101", reason: "r", owner: "o", expires: "2026-06-30" };
  it("matches the policy exactly, and snapshot and subject only when given", () => {
    expect(waiverMatches(base, finding)).toBe(true);
    expect(waiverMatches({ ...base, snapshot: "prod", subject: "users/u-1" }, finding)).toBe(true);
    expect(waiverMatches({ ...base, snapshot: "staging" }, finding)).toBe(false);
    expect(waiverMatches({ ...base, subject: "users/u-10" }, finding)).toBe(false);
    expect(waiverMatches({ ...base, policy: "CA-ACC-10" }, finding)).toBe(false);
  });
});
