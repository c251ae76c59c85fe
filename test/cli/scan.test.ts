import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli } from "./run.js";

let dir: string;
let policies: string;
let out: string;

const policy = (id: string, severity: string, body: string) => `apiVersion: chataudit/v1
kind: Policy
id: ${id}
title: Test policy ${id}
category: backup
severity: ${severity}
description: A policy for the CLI tests.
rationale: The CLI tests need policies they control.
remediation: Make the snapshot compliant.
references: [https://example.com/standard]
frameworks: { nist-800-53-r5: [CP-9] }
${body}
examples: { pass: [{}], fail: [{}] }
`;

const snapshot = (name: string, body: string) => `apiVersion: chataudit/v1
kind: Snapshot
metadata: { name: ${name}, platform: generic, collectedAt: 2026-06-01T00:00:00Z }
${body}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chataudit-cli-"));
  policies = join(dir, "policies");
  out = join(dir, "out");
  mkdirSync(policies);
  writeFileSync(
    join(policies, "TST-BKP-001.yaml"),
    policy("TST-BKP-001", "high", `params: { maxAgeHours: 26 }
requires: [backups.runs]
compute: { ageHours: { hours_since: { latest: [ { map: [ { var: backups.runs }, { var: completedAt } ] } ] } } }
assert: { "<=": [ { var: computed.ageHours }, { var: params.maxAgeHours } ] }
message: "Last backup {{round computed.ageHours}} h ago"`),
  );
  writeFileSync(
    join(policies, "TST-BKP-002.yaml"),
    policy("TST-BKP-002", "low", `select: backups.runs
assert: { "==": [ { var: encrypted }, true ] }
message: "Backup {{id}} is not encrypted"`),
  );
  writeFileSync(join(dir, "good.yaml"), snapshot("good", "backups: { runs: [ { id: r1, completedAt: 2026-05-31T12:00:00Z, encrypted: true } ] }"));
  writeFileSync(join(dir, "stale.yaml"), snapshot("stale", "backups:\n  runs:\n    - { id: r1, completedAt: 2026-05-01T12:00:00Z, encrypted: true }"));
  writeFileSync(join(dir, "unencrypted.json"), JSON.stringify({
    apiVersion: "chataudit/v1", kind: "Snapshot",
    metadata: { name: "unenc", platform: "generic", collectedAt: "2026-06-01T00:00:00Z" },
    backups: { runs: [{ id: "r1", completedAt: "2026-05-31T12:00:00Z", encrypted: false }] },
  }, null, 2));
  writeFileSync(join(dir, "broken.yaml"), "apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: { name: x\n");
  writeFileSync(join(dir, "invalid.yaml"), snapshot("invalid", "users:\n  - { id: u1, status: enabled }"));
});

const base = () => ["--no-builtin", "--policies", policies, "--as-of", "2026-06-01T00:00:00Z", "--output", out, "--format", "console,json"];

describe("chataudit scan exit codes", () => {
  it("exits 0 for a well-kept snapshot", async () => {
    const r = await cli("scan", join(dir, "good.yaml"), ...base());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("2 passed");
  });

  it("exits 1 for a violation at or above --fail-on and points at the line", async () => {
    const r = await cli("scan", join(dir, "stale.yaml"), ...base());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/TST-BKP-001 Last backup 732 h ago/);
    const report = JSON.parse(readFileSync(join(out, "chataudit.json"), "utf8"));
    expect(report.findings[0].location).toMatchObject({ line: 5, column: 3 }); // backups.runs, the evidence it read
  });

  it("exits 0 when the only violation is below --fail-on, but still reports it", async () => {
    const r = await cli("scan", join(dir, "unencrypted.json"), ...base());
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "chataudit.json"), "utf8"));
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ policyId: "TST-BKP-002", subject: "backups.runs/r1", location: { line: 14, column: 9 } });
    expect((await cli("scan", join(dir, "unencrypted.json"), ...base(), "--fail-on", "low")).code).toBe(1);
  });

  it("exits 2 for malformed YAML with file:line:column, and still reports the good inputs", async () => {
    const r = await cli("scan", join(dir, "good.yaml"), join(dir, "broken.yaml"), ...base());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(readFileSync(join(out, "chataudit.json"), "utf8"));
    expect(report.inputs.map((i: { status: string }) => i.status).sort()).toEqual(["error", "ok"]);
    expect(report.summary.exitCode).toBe(2);
  });

  it("exits 2 for a schema violation naming the field and its line", async () => {
    const r = await cli("scan", join(dir, "invalid.yaml"), ...base());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid\.yaml:5:\d+: `users\.0\.status` must be one of: "active", "deactivated"/);
  });

  it("exits 2 for an invalid policy before evaluating anything", async () => {
    const bad = join(dir, "bad-policies");
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, "TST-BKP-009.yaml"), policy("TST-BKP-009", "loud", "assert: true\nmessage: nope nope"));
    const r = await cli("scan", join(dir, "good.yaml"), "--no-builtin", "--policies", bad, "--output", join(dir, "never"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/TST-BKP-009\.yaml:6:\d+: `severity` must be one of/);
    expect(existsSync(join(dir, "never", "chataudit.json"))).toBe(false);
  });

  it("exits 2 for bad arguments", async () => {
    expect((await cli("scan", join(dir, "good.yaml"), "--fail-on", "severe")).code).toBe(2);
    expect((await cli("scan", join(dir, "good.yaml"), ...base(), "--as-of", "last tuesday")).code).toBe(2);
    expect((await cli("scan", join(dir, "good.yaml"), ...base(), "--format", "pdf")).code).toBe(2);
    expect((await cli("scan", join(dir, "missing.yaml"), ...base())).code).toBe(2);
  });

  it("gives byte-identical JSON for the same inputs and --as-of", async () => {
    await cli("scan", dir, ...base());
    const first = readFileSync(join(out, "chataudit.json"), "utf8");
    await cli("scan", dir, ...base());
    expect(readFileSync(join(out, "chataudit.json"), "utf8")).toBe(first);
  });
});
