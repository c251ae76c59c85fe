// Exit codes of `chataudit scan` and `chataudit diff` for every gate combination, through the real CLI in-process.
// 0: nothing at or above --fail-on; 1: findings at or above it; 2: the run could not be trusted.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/engine/types.js";
import { cli } from "./run.js";

const root = mkdtempSync(join(tmpdir(), "chataudit-gate-cli-"));
const at = (...p: string[]) => join(root, ...p);

function write(path: string, text: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const POLICY = (id: string, severity: string, body: string) => `apiVersion: chataudit/v1
kind: Policy
id: ${id}
title: Test policy ${id}
category: access
severity: ${severity}
description: A policy written for the gate's exit code tests.
rationale: The tests need a policy whose findings they control.
remediation: Change the snapshot so that the assertion holds.
references: [https://example.com/standard]
frameworks: { nist-800-53-r5: [AC-2] }
${body}`;

// One high finding per user without MFA, one medium finding when audit logging is off.
const MFA = POLICY("CA-ACC-101", "high", `select: users
assert: { "==": [{ var: mfa }, true] }
message: "{{username}} has no MFA"
examples: { pass: [{ users: [{ id: a, mfa: true }] }], fail: [{ users: [{ id: a, mfa: false }] }] }
`);
const AUDIT = POLICY("CA-AUD-102", "medium", `assert: { "==": [{ var: audit.logging.enabled }, true] }
requires: [audit.logging]
message: "audit logging is off"
examples: { pass: [{ audit: { logging: { enabled: true } } }], fail: [{ audit: { logging: { enabled: false } } }] }
`);

function snapshot(name: string, noMfa: string[], auditOn = false): string {
  const users = ["u-1", "u-2", "u-3"].map((id) => `  - { id: ${id}, username: ${id}, roles: [user], status: active, mfa: ${!noMfa.includes(id)} }`);
  return `apiVersion: chataudit/v1
kind: Snapshot
metadata: { name: ${name}, platform: mattermost, collectedAt: "2026-05-31T00:00:00Z" }
users:
${users.join("\n")}
audit: { logging: { enabled: ${auditOn} } }
`;
}

const WAIVE_ALL = (expires: string) => `waivers:
  - policy: CA-ACC-101
    snapshot: prod
    reason: MFA rollout finishes next quarter
    owner: security@example.com
    expires: ${expires}
  - policy: CA-AUD-102
    reason: Audit logs ship through the SIEM instead
    owner: ops@example.com
    expires: ${expires}
`;

let savedSummary: string | undefined;
beforeAll(() => {
  write(at("policies", "CA-ACC-101.yaml"), MFA);
  write(at("policies", "CA-AUD-102.yaml"), AUDIT);
  write(at("clean", "prod.yaml"), snapshot("prod", [], true));
  write(at("dirty", "prod.yaml"), snapshot("prod", ["u-1", "u-2"]));
  write(at("worse", "prod.yaml"), snapshot("prod", ["u-1", "u-2", "u-3"]));
  write(at("medium-only", "prod.yaml"), snapshot("prod", []));
  write(at("broken", "bad.yaml"), "apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: { name: 42 }\n");
  // Tests must not write to a real job summary when they run inside GitHub Actions.
  savedSummary = process.env.GITHUB_STEP_SUMMARY;
  delete process.env.GITHUB_STEP_SUMMARY;
});
afterAll(() => {
  if (savedSummary !== undefined) process.env.GITHUB_STEP_SUMMARY = savedSummary;
});

let runs = 0;
/** Every scan gets its own output folder and skips any .chataudit.yaml, unless the test says otherwise. */
function scanArgs(input: string, ...extra: string[]): string[] {
  runs += 1;
  const hasOutput = extra.includes("--output");
  const hasConfig = extra.includes("--config");
  return [
    "scan", at(input), "--no-builtin", "--policies", at("policies"), "--as-of", "2026-06-01T00:00:00Z",
    ...(hasOutput ? [] : ["--output", at("out", String(runs))]),
    ...(hasConfig ? [] : ["--no-config"]),
    ...extra,
  ];
}

const scan = (input: string, ...extra: string[]) => cli(...scanArgs(input, ...extra));

function jsonReport(dir: string): ScanReport {
  return JSON.parse(readFileSync(join(dir, "chataudit.json"), "utf8")) as ScanReport;
}

describe("--fail-on thresholds", () => {
  it("exits 0 when nothing fails", async () => {
    expect((await scan("clean")).code).toBe(0);
  });
  it("exits 1 on findings at or above the default threshold (high)", async () => {
    expect((await scan("dirty")).code).toBe(1);
  });
  it("exits 0 when every finding is below the threshold, and reports them all the same", async () => {
    const out = at("out", "below");
    const r = await scan("dirty", "--fail-on", "critical", "--output", out, "--format", "console,json");
    expect(r.code).toBe(0);
    expect(jsonReport(out).findings).toHaveLength(3);
    expect(r.stdout).toContain("nothing at or above critical");
  });
  it("--fail-on medium fails on a medium finding that high lets through", async () => {
    expect((await scan("medium-only")).code).toBe(0);
    expect((await scan("medium-only", "--fail-on", "medium")).code).toBe(1);
  });
  it("--fail-on none never fails on findings", async () => {
    expect((await scan("worse", "--fail-on", "none")).code).toBe(0);
  });
  it("exits 2 on an unknown threshold", async () => {
    const r = await scan("dirty", "--fail-on", "severe");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("severe");
  });
});

describe("waivers", () => {
  it("a fully waived run exits 0 and shows its waivers", async () => {
    const waivers = write(at("w", "active.yaml"), WAIVE_ALL("2026-12-31"));
    const out = at("out", "waived");
    const r = await scan("dirty", "--waivers", waivers, "--fail-on", "low", "--output", out, "--format", "console,json");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Waived (3)");
    expect(r.stdout).toContain("security@example.com until 2026-12-31: MFA rollout finishes next quarter");
    const report = jsonReport(out);
    expect(report.findings.map((f) => f.status)).toEqual(["waived", "waived", "waived"]);
    expect(report.results.map((x) => x.status)).toEqual(["waived", "waived"]);
    expect(report.waivers!.map((w) => [w.policy, w.state, w.matched])).toEqual([["CA-ACC-101", "active", 2], ["CA-AUD-102", "active", 1]]);
  });

  it("the same waivers expired make it exit 1 and say so, on stderr and in the report", async () => {
    const waivers = write(at("w", "expired.yaml"), WAIVE_ALL("2026-05-31"));
    const out = at("out", "expired");
    const r = await scan("dirty", "--waivers", waivers, "--output", out, "--format", "console,json");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`chataudit: warning: waiver CA-ACC-101 (snapshot prod; ${waivers}:2:5) EXPIRED 2026-05-31 (owner security@example.com); it no longer applies`);
    expect(r.stdout).toMatch(/warning: EXPIRED waiver CA-ACC-101 .* the 2 findings it matches fail again/);
    const report = jsonReport(out);
    expect(report.waivers!.map((w) => w.state)).toEqual(["expired", "expired"]);
    expect(report.warnings.filter((w) => w.startsWith("EXPIRED"))).toHaveLength(2);
  });

  it("a waiver still applies on its expiry date and stops the day after", async () => {
    const waivers = write(at("w", "last-day.yaml"), WAIVE_ALL("2026-06-01"));
    expect((await scan("dirty", "--waivers", waivers, "--as-of", "2026-06-01T23:59:59Z")).code).toBe(0);
    expect((await scan("dirty", "--waivers", waivers, "--as-of", "2026-06-02")).code).toBe(1);
  });

  it("a partly waived run still fails on what is not waived", async () => {
    const waivers = write(at("w", "one.yaml"), `waivers:
  - { policy: CA-ACC-101, subject: users/u-1, reason: break-glass account, owner: alice, expires: 2026-12-31 }
`);
    expect((await scan("dirty", "--waivers", waivers)).code).toBe(1);
  });

  it("warns about waivers expiring soon and stale ones, without changing the exit code", async () => {
    const waivers = write(at("w", "soon.yaml"), `${WAIVE_ALL("2026-06-05")}  - { policy: CA-ACC-101, snapshot: staging, reason: gone, owner: bob, expires: 2026-12-31 }
`);
    const r = await scan("dirty", "--waivers", waivers);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("expires 2026-06-05, in 5 days (owner security@example.com)");
    expect(r.stdout).toContain("stale waiver CA-ACC-101 (snapshot staging;");
    const quiet = await scan("dirty", "--waivers", waivers, "--warn-expiring", "0");
    expect(quiet.stdout).not.toContain("in 5 days");
  });

  it("a malformed waiver exits 2 with file:line:column, before anything is evaluated or written", async () => {
    const waivers = write(at("w", "malformed.yaml"), `waivers:
  - policy: CA-ACC-101
    reason: no owner and no expiry
`);
    const out = at("out", "malformed");
    const r = await scan("dirty", "--waivers", waivers, "--output", out, "--format", "console,json");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`chataudit: error: ${waivers}:2:5: \`waivers.0\` is missing required field \`owner\`\n`);
    expect(r.stdout).toBe("");
    expect(existsSync(join(out, "chataudit.json"))).toBe(false);
  });

  it("a waiver with a bad expiry date exits 2 at its line, and so does a missing waivers file", async () => {
    const waivers = write(at("w", "bad-date.yaml"), `- { policy: CA-ACC-101, reason: r, owner: o, expires: 31/12/2026 }\n`);
    const r = await scan("dirty", "--waivers", waivers);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`bad-date\\.yaml:1:\\d+: \`waivers\\.0\\.expires\` must be an ISO 8601 date`));
    const missing = await scan("dirty", "--waivers", at("w", "nope.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.yaml: cannot read file: no such file");
  });

  it("a bad waiver and a bad policy are reported together", async () => {
    write(at("bad-policies", "CA-BAD-001.yaml"), "apiVersion: chataudit/v1\nkind: Policy\nid: CA-BAD-001\n");
    const waivers = write(at("w", "malformed2.yaml"), "waivers: [{ policy: CA-ACC-101 }]\n");
    const r = await scan("dirty", "--waivers", waivers, "--policies", at("bad-policies"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("malformed2.yaml:1:");
    expect(r.stderr).toContain("CA-BAD-001.yaml");
  });
});

describe("baselines", () => {
  const baseline = () => at("baseline.json");

  it("--write-baseline records the findings and keeps the exit code", async () => {
    const r = await scan("dirty", "--write-baseline", baseline());
    expect(r.code).toBe(1);
    const written = JSON.parse(readFileSync(baseline(), "utf8"));
    expect(written).toMatchObject({ version: 1, tool: { name: "chataudit" }, createdAt: "2026-06-01T00:00:00.000Z" });
    expect(written.fingerprints.map((e: { subject: string }) => e.subject)).toEqual(["users/u-1", "users/u-2", "snapshot"]);
  });

  it("a rescan against its own baseline exits 0", async () => {
    const out = at("out", "rescan");
    const r = await scan("dirty", "--baseline", baseline(), "--output", out, "--format", "console,json");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("0 new, 0 fixed since the baseline");
    expect(jsonReport(out).findings.every((f) => f.baselineState === "unchanged")).toBe(true);
  });

  it("a new violation against it exits 1, and a fixed one is counted", async () => {
    const out = at("out", "new-violation");
    const r = await scan("worse", "--baseline", baseline(), "--output", out, "--format", "console,json");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("1 new, 0 fixed since the baseline");
    const report = jsonReport(out);
    expect(report.findings.filter((f) => f.baselineState === "new").map((f) => f.subject)).toEqual(["users/u-3"]);
    const better = await scan("clean", "--baseline", baseline());
    expect(better.code).toBe(0);
    expect(better.stdout).toContain("0 new, 3 fixed since the baseline");
  });

  it("a malformed baseline exits 2 at its line; a baseline is not written from an untrusted run", async () => {
    const bad = write(at("bad-baseline.json"), `{\n  "version": 1,\n  "fingerprints": "all"\n}\n`);
    const r = await scan("dirty", "--baseline", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:1:1: the document is missing required field`);
    expect(r.stderr).toContain(`${bad}:3:3: \`fingerprints\` must be array`);

    const target = at("untrusted-baseline.json");
    write(at("mixed", "prod.yaml"), snapshot("prod", ["u-1"]));
    write(at("mixed", "bad.yaml"), "apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: { name: 42 }\n");
    const untrusted = await scan("mixed", "--write-baseline", target);
    expect(untrusted.code).toBe(2);
    expect(existsSync(target)).toBe(false);
    expect(untrusted.stderr).toContain("baseline not written");
  });
});

describe("untrusted runs", () => {
  it("an invalid snapshot exits 2 but reports are still written for the good inputs, waivers or not", async () => {
    write(at("half", "prod.yaml"), snapshot("prod", []));
    write(at("half", "bad.yaml"), "apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: { name: 42 }\n");
    const out = at("out", "half");
    const waivers = write(at("w", "half.yaml"), WAIVE_ALL("2026-12-31"));
    const r = await scan("half", "--waivers", waivers, "--output", out, "--format", "json");
    expect(r.code).toBe(2);
    const report = jsonReport(out);
    expect(report.inputs.map((i) => i.status).sort()).toEqual(["error", "ok"]);
    expect(report.summary.exitCode).toBe(2);
  });

  it("bad arguments exit 2", async () => {
    expect((await scan("dirty", "--warn-expiring", "soon")).code).toBe(2);
    expect((await scan("dirty", "--format", "pdf")).code).toBe(2);
    expect((await scan("dirty", "--as-of", "yesterday")).code).toBe(2);
  });
});

describe("the config file", () => {
  it("supplies defaults: its fail-on applies, and a flag on the command line wins", async () => {
    const config = write(at("cfg", "strict.yaml"), "fail-on: medium\npolicies:\n  disable: [CA-ACC-101]\n");
    expect((await scan("dirty", "--config", config)).code).toBe(1);
    expect((await scan("dirty", "--config", config, "--fail-on", "high")).code).toBe(0);
  });

  it("resolves the waivers it names against its own folder", async () => {
    write(at("cfg2", "waivers.yaml"), WAIVE_ALL("2026-12-31"));
    const config = write(at("cfg2", ".chataudit.yaml"), "waivers: waivers.yaml\nfail-on: low\n");
    expect((await scan("dirty", "--config", config)).code).toBe(0);
  });

  it("is found as .chataudit.yaml in the current folder, and --no-config ignores it", async () => {
    const dir = at("cwd-config");
    write(join(dir, ".chataudit.yaml"), `paths: [${at("dirty")}]\nfail-on: none\noutput: out\nformat: json\n`);
    const previous = process.cwd();
    process.chdir(dir);
    try {
      const found = await cli("scan", "--no-builtin", "--policies", at("policies"), "--as-of", "2026-06-01");
      expect(found.code).toBe(0);
      expect(existsSync(join(dir, "out", "chataudit.json"))).toBe(true);
      const ignored = await cli("scan", at("dirty"), "--no-config", "--no-builtin", "--policies", at("policies"), "--output", join(dir, "o2"));
      expect(ignored.code).toBe(1);
      const noPaths = await cli("scan", "--no-config", "--no-builtin", "--policies", at("policies"));
      expect(noPaths.code).toBe(2);
      expect(noPaths.stderr).toContain("no inputs");
    } finally {
      process.chdir(previous);
    }
  });

  it("a malformed config exits 2 with file:line:column before anything is evaluated", async () => {
    const config = write(at("cfg", "bad.yaml"), "fail-on: high\nformats: [json]\n");
    const r = await scan("dirty", "--config", config);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`chataudit: error: ${config}:2:1: the document has unknown field \`formats\`\n`);
  });
});

describe("GitHub glue", () => {
  it("--format github prints annotations, even with --quiet, and the summary goes to GITHUB_STEP_SUMMARY", async () => {
    const summary = write(at("step-summary.md"), "# earlier step\n");
    process.env.GITHUB_STEP_SUMMARY = summary;
    try {
      const r = await scan("dirty", "--format", "github", "--quiet");
      expect(r.code).toBe(1);
      expect(r.stdout.split("\n").filter((l) => l.startsWith("::error "))).toHaveLength(2);
      expect(r.stdout).toContain(`::error file=${at("dirty", "prod.yaml").replace(/:/g, "%3A").replace(/,/g, "%2C")},line=`);
      expect(r.stdout).toContain("::warning file=");
      const text = readFileSync(summary, "utf8");
      expect(text.startsWith("# earlier step\n")).toBe(true);
      expect(text).toContain("CA-ACC-101");
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
  });
});

describe("chataudit diff", () => {
  async function reportOf(input: string, name: string): Promise<string> {
    const out = at("out", name);
    await scan(input, "--output", out, "--format", "json", "--fail-on", "none");
    return join(out, "chataudit.json");
  }

  it("exits 0 when nothing new fails, 1 when something new fails at or above --fail-on", async () => {
    const dirty = await reportOf("dirty", "diff-dirty");
    const worse = await reportOf("worse", "diff-worse");
    const clean = await reportOf("clean", "diff-clean");
    const same = await cli("diff", dirty, dirty);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("0 new findings, 0 fixed, 3 unchanged");
    const better = await cli("diff", dirty, clean);
    expect(better.code).toBe(0);
    expect(better.stdout).toContain("0 new findings, 3 fixed, 0 unchanged");
    const regress = await cli("diff", dirty, worse);
    expect(regress.code).toBe(1);
    expect(regress.stdout).toContain("1 new finding, 0 fixed, 3 unchanged");
    expect((await cli("diff", dirty, worse, "--fail-on", "critical")).code).toBe(0);
  });

  it("writes Markdown or JSON to a file with --output", async () => {
    const dirty = await reportOf("dirty", "diff-dirty2");
    const worse = await reportOf("worse", "diff-worse2");
    const md = at("out", "diff.md");
    expect((await cli("diff", dirty, worse, "--format", "markdown", "--output", md)).code).toBe(1);
    expect(readFileSync(md, "utf8")).toContain("### New findings");
    const json = at("out", "diff.json");
    await cli("diff", dirty, worse, "--format", "json", "--output", json);
    expect(JSON.parse(readFileSync(json, "utf8")).summary).toMatchObject({ new: 1, fixed: 0, unchanged: 3, exitCode: 1 });
  });

  it("exits 2 on an unreadable or invalid report, naming each", async () => {
    const dirty = await reportOf("dirty", "diff-dirty3");
    const notReport = write(at("not-a-report.json"), `{"runs": []}`);
    const r = await cli("diff", at("missing.json"), notReport);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.json: cannot read file: no such file");
    expect(r.stderr).toContain("not-a-report.json:1:1: not a chataudit JSON report");
    expect((await cli("diff", dirty, dirty, "--format", "html")).code).toBe(2);
  });
});
