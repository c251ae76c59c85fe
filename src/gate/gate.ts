// The gate: which findings fail the run, the summary counts and the exit code.

import type { Finding, InputRecord, Result, ResultStatus, Summary } from "../engine/types.js";
import { SEVERITIES, type Severity } from "../policy/types.js";
import { atOrAbove } from "../reports/severity.js";

export const FAIL_ON = [...SEVERITIES, "none"] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** Findings that fail the gate: failing (not waived), at or above the threshold, and new when a baseline is used. */
export function gateFindings(findings: readonly Finding[], failOn: FailOn): Finding[] {
  return findings.filter((f) => f.status === "fail" && atOrAbove(f.severity, failOn) && f.baselineState !== "unchanged");
}

export function summarize(
  inputs: readonly InputRecord[],
  results: readonly Result[],
  findings: readonly Finding[],
  policies: number,
  failOn: FailOn,
  extra: { fixed?: number; untrusted?: boolean } = {},
): Summary {
  const statuses: Record<ResultStatus, number> = { pass: 0, fail: 0, "not-evaluated": 0, error: 0, waived: 0 };
  for (const r of results) statuses[r.status] += 1;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let failing = 0;
  let waived = 0;
  for (const f of findings) {
    if (f.status === "fail") {
      failing += 1;
      bySeverity[f.severity] += 1;
    } else waived += 1;
  }
  const gate = gateFindings(findings, failOn).length;
  const inputErrors = inputs.filter((i) => i.status === "error").length;
  const untrusted = inputErrors > 0 || statuses.error > 0 || extra.untrusted === true;
  const summary: Summary = {
    inputs: inputs.length,
    inputErrors,
    snapshots: inputs.filter((i) => i.status === "ok").length,
    policies,
    results: statuses,
    findings: { total: findings.length, failing, waived, bySeverity },
    failOn,
    gateFindings: gate,
    exitCode: untrusted ? 2 : gate > 0 ? 1 : 0,
  };
  if (findings.some((f) => f.baselineState !== undefined) || extra.fixed !== undefined) {
    summary.findings.new = findings.filter((f) => f.baselineState === "new").length;
    summary.findings.fixed = extra.fixed ?? 0;
  }
  return summary;
}
