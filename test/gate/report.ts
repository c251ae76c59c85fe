// Test helper: a real evaluated report (engine + inline policies) before any waiver or baseline is applied.

import { evaluateSnapshot } from "../../src/engine/evaluate.js";
import type { InputRecord, ScanReport } from "../../src/engine/types.js";
import { summarize, type FailOn } from "../../src/gate/gate.js";
import type { CompiledPolicy } from "../../src/policy/compile.js";
import type { Severity } from "../../src/policy/types.js";
import type { LoadedSnapshot } from "../../src/snapshot/types.js";
import { inlinePolicy, snapshotOf } from "../helpers.js";

/** Users must have MFA: one finding per user without it, subject users/<id>. */
export const mfaPolicy = inlinePolicy(`
id: CA-ACC-101
select: users
assert: { "==": [{ var: mfa }, true] }
message: "{{username}} has no MFA"
`);

/** Audit logging must be on: one finding per snapshot, subject "snapshot". Medium severity. */
export const auditPolicy: CompiledPolicy = withSeverity(
  inlinePolicy(`
id: CA-AUD-102
assert: { "==": [{ var: audit.logging.enabled }, true] }
message: "audit logging is off"
`),
  "medium",
);

/** The inline policy header fixes severity high; tests that need another severity set it here. */
export function withSeverity(c: CompiledPolicy, severity: Severity): CompiledPolicy {
  return { ...c, policy: { ...c.policy, severity } };
}

export function users(...spec: [id: string, mfa: boolean][]) {
  return spec.map(([id, mfa]) => ({ id, username: id, roles: ["user"], status: "active", mfa }));
}

export function prodSnapshot(name = "prod", mfa: [string, boolean][] = [["u-1", false], ["u-2", false], ["u-3", true]], audit = false): LoadedSnapshot {
  return snapshotOf({ users: users(...mfa) as never, audit: { logging: { enabled: audit } } as never }, name);
}

export function evaluatedReport(snapshots: LoadedSnapshot[], policies: CompiledPolicy[] = [mfaPolicy, auditPolicy], asOf = "2026-06-01T00:00:00Z", failOn: FailOn = "high"): ScanReport {
  const results = [];
  const findings = [];
  const inputs: InputRecord[] = [];
  for (const s of snapshots) {
    const out = evaluateSnapshot(policies, s, { asOf: Date.parse(asOf) });
    results.push(...out.results);
    findings.push(...out.findings);
    inputs.push({ path: s.path, sha256: s.sha256, platform: "generic", snapshot: s.snapshot.metadata.name, status: "ok" });
  }
  return {
    tool: { name: "chataudit", version: "0.1.0", policyPackVersion: "0.1.0+test" },
    asOf,
    inputs,
    summary: summarize(inputs, results, findings, policies.length, failOn),
    results,
    findings,
    policies: policies.map((c) => ({
      id: c.policy.id, title: c.policy.title, category: c.policy.category, severity: c.policy.severity,
      description: c.policy.description, rationale: c.policy.rationale, remediation: c.policy.remediation,
      references: c.policy.references, frameworks: c.policy.frameworks, tags: [], params: c.params, source: c.source,
    })),
    warnings: [],
  };
}
