// Applying waivers and a baseline to an evaluated report: statuses, waiver states, warnings and the summary.
// Pure: the clock is the scan's asOf, never the wall clock, so the same inputs always give the same report.

import type { Finding, Result, ScanReport, Waiver } from "../engine/types.js";
import type { Baseline } from "./baseline.js";
import { summarize } from "./gate.js";
import { DEFAULT_WARN_EXPIRING_DAYS, isExpired, specificity, waiverMatches, waiverWarning, type WaiverState } from "./waivers.js";

export interface GateInputs {
  waivers?: readonly Waiver[];
  baseline?: Baseline;
  /** The scan's evaluation clock (ISO 8601 or epoch ms). */
  asOf: string | number;
  /** Warn about active waivers ending within this many days; 0 turns the warning off. */
  warnWithinDays?: number;
}

const pairKey = (policyId: string, snapshot: string) => `${policyId}\u0000${snapshot}`;

/** Mark waived and baseline findings, recompute results and the summary, and warn about waivers that need attention. */
export function applyGate(report: ScanReport, gate: GateInputs): ScanReport {
  const asOf = typeof gate.asOf === "number" ? gate.asOf : Date.parse(gate.asOf);
  const warnWithinDays = gate.warnWithinDays ?? DEFAULT_WARN_EXPIRING_DAYS;
  const waivers = gate.waivers ?? [];
  const expired = waivers.map((w) => isExpired(w, asOf));
  const matched = waivers.map(() => 0);

  const findings: Finding[] = report.findings.map((original) => {
    // Nothing to apply and nothing applied before: the finding stands as it is, not copied (2,000 tenants
    // bring 30,000 findings, and copying each is a tenth of such a scan).
    if (waivers.length === 0 && !gate.baseline && original.status === "fail" && original.waiver === undefined && original.baselineState === undefined) {
      return original;
    }
    const { waiver: _previous, baselineState: _state, ...finding } = original;
    let chosen = -1;
    waivers.forEach((w, i) => {
      if (!waiverMatches(w, finding)) return;
      // An expired waiver is counted so its warning can say what fails again; it never applies.
      if (expired[i]) {
        matched[i]! += 1;
        return;
      }
      if (chosen === -1 || specificity(w) > specificity(waivers[chosen]!)) chosen = i;
    });
    const out: Finding = { ...finding, status: "fail" };
    if (chosen !== -1) {
      const w = waivers[chosen]!;
      matched[chosen]! += 1;
      out.status = "waived";
      out.waiver = { reason: w.reason, owner: w.owner, expires: w.expires };
    }
    if (gate.baseline) out.baselineState = inBaseline(gate.baseline).has(finding.fingerprint) ? "unchanged" : "new";
    return out;
  });

  const results = recountResults(report.results, findings);

  const ran = new Set(report.policies.map((p) => p.id));
  const states = waivers.map((w, i) => {
    const state: WaiverState = expired[i] ? "expired" : matched[i] === 0 ? "stale" : "active";
    return { ...w, state, matched: matched[i]! };
  });
  const order: Record<WaiverState, number> = { expired: 0, active: 1, stale: 2 };
  const waiverWarnings = states
    .map((w) => ({ w, text: waiverWarning(w, asOf, warnWithinDays, ran.has(w.policy)) }))
    .filter((x): x is { w: (typeof states)[number]; text: string } => x.text !== undefined)
    .sort((a, b) => order[a.w.state] - order[b.w.state])
    .map((x) => x.text);

  const fixed = gate.baseline ? fixedSinceBaseline(gate.baseline, findings, results) : undefined;
  const summary = summarize(report.inputs, results, findings, report.summary.policies, report.summary.failOn, {
    ...(fixed !== undefined ? { fixed } : {}),
    untrusted: report.summary.exitCode === 2,
  });

  return {
    ...report,
    summary,
    results,
    findings,
    warnings: [...new Set([...report.warnings, ...waiverWarnings])],
    ...(gate.waivers ? { waivers: states } : {}),
  };
}

const fingerprintSets = new WeakMap<Baseline, Set<string>>();
function inBaseline(baseline: Baseline): Set<string> {
  let set = fingerprintSets.get(baseline);
  if (!set) {
    set = new Set(baseline.fingerprints.map((e) => e.fingerprint));
    fingerprintSets.set(baseline, set);
  }
  return set;
}

/** A result whose failing subjects are all waived is itself waived. */
function recountResults(results: readonly Result[], findings: readonly Finding[]): Result[] {
  const waivedByPair = new Map<string, number>();
  for (const f of findings) {
    if (f.status === "waived") waivedByPair.set(pairKey(f.policyId, f.snapshot), (waivedByPair.get(pairKey(f.policyId, f.snapshot)) ?? 0) + 1);
  }
  // A result the gate does not change is kept as it is rather than copied: results are never modified in place.
  return results.map((r) => {
    if (r.status !== "fail" && r.status !== "waived") return r;
    const waived = Math.min(waivedByPair.get(pairKey(r.policyId, r.snapshot)) ?? 0, r.failed);
    const status = r.failed > 0 && waived === r.failed ? "waived" : "fail";
    return waived === r.waived && status === r.status ? r : { ...r, waived, status };
  });
}

/**
 * Baseline entries gone from this run. Only pairs of policy and snapshot evaluated in this run count: an entry
 * for a snapshot not scanned, a policy not run (--only) or evidence now missing is not "fixed".
 */
function fixedSinceBaseline(baseline: Baseline, findings: readonly Finding[], results: readonly Result[]): number {
  const present = new Set(findings.map((f) => f.fingerprint));
  const evaluated = new Set(
    results.filter((r) => r.status === "pass" || r.status === "fail" || r.status === "waived").map((r) => pairKey(r.policyId, r.snapshot)),
  );
  const counted = new Set<string>();
  for (const entry of baseline.fingerprints) {
    if (present.has(entry.fingerprint) || !evaluated.has(pairKey(entry.policyId, entry.snapshot))) continue;
    counted.add(entry.fingerprint);
  }
  return counted.size;
}
