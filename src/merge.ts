// Merging the JSON reports of a sharded scan (one CI job per slice of a fleet) into one report, in the
// order a single scan of every input would have produced, with the summary recomputed.

import type { Finding, InputRecord, PolicySummary, Result, ScanReport, Waiver } from "./engine/types.js";
import { InputError } from "./errors.js";
import { byCodeUnits } from "./order.js";
import { summarize, type FailOn } from "./gate/gate.js";
import { isExpired } from "./gate/waivers.js";

/** One shard's report and where it was read from (for messages). */
export interface Shard {
  path: string;
  report: ScanReport;
}

export interface MergeOptions {
  /** Gate threshold for the merged summary (default: the shards' own, when they agree; else "high"). */
  failOn?: FailOn;
}

export interface Merged {
  report: ScanReport;
  /** Problems with the merge itself (also added to the report's warnings). */
  warnings: string[];
}

function reportProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "it is not a JSON object";
  const r = value as Record<string, unknown> & Partial<ScanReport>;
  if (r.tool?.name !== "chataudit") return 'tool.name is not "chataudit"';
  if (typeof r.asOf !== "string") return "asOf is missing";
  for (const key of ["inputs", "results", "findings", "policies", "warnings"]) if (!Array.isArray(r[key])) return `${key} is not a list`;
  if (typeof r.summary !== "object" || r.summary === null) return "summary is missing";
  return undefined;
}

/** Check that a parsed file is a chataudit JSON report; InputError naming the file otherwise. */
export function asShard(path: string, value: unknown): Shard {
  const problem = reportProblem(value);
  if (problem) throw new InputError(`not a chataudit JSON report (${problem}); merge the chataudit.json files that \`chataudit scan --format json\` writes`, { file: path });
  return { path, report: value as ScanReport };
}

/**
 * Which result each finding belongs to: a scan writes a result's failing subjects (waived ones included)
 * right after the previous result's, `failed` of them. Checked against policy and snapshot.
 */
function findingsByResult(shard: Shard): Finding[][] {
  const { results, findings } = shard.report;
  const groups: Finding[][] = results.map(() => []);
  let next = 0;
  results.forEach((result, i) => {
    for (let k = 0; k < (result.failed ?? 0) && next < findings.length; k += 1) {
      const f = findings[next]!;
      if (f.policyId !== result.policyId || f.snapshot !== result.snapshot) {
        throw new InputError(`cannot merge: finding ${next} (${f.policyId} on ${f.snapshot}) does not follow its result; was the report edited?`, { file: shard.path });
      }
      groups[i]!.push(f);
      next += 1;
    }
  });
  if (next !== findings.length) {
    throw new InputError(`cannot merge: ${findings.length - next} finding(s) belong to no result; was the report edited?`, { file: shard.path });
  }
  return groups;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

type MergedWaiver = NonNullable<ScanReport["waivers"]>[number];

function waiverKey(w: Waiver): string {
  return JSON.stringify([w.policy, w.snapshot ?? null, w.subject ?? null, w.reason, w.owner, w.expires]);
}

/** Merge shard reports. The result does not depend on the order the shards are given in. */
export function mergeReports(shards: readonly Shard[], options: MergeOptions = {}): Merged {
  if (shards.length === 0) throw new InputError("cannot merge: no reports given", { file: "merge" });
  // Canonical shard order: by their first input, then by file name, so argument order does not matter.
  const ordered = [...shards].sort((a, b) => byCodeUnits(a.report.inputs[0]?.path ?? "", b.report.inputs[0]?.path ?? "") || byCodeUnits(a.path, b.path));
  const warnings: string[] = [];

  const first = ordered[0]!.report;
  const versions = new Set(ordered.map((s) => `${s.report.tool.version} / pack ${s.report.tool.policyPackVersion}`));
  if (versions.size > 1) warnings.push(`merged reports come from different chataudit versions or policy packs (${[...versions].sort().join(", ")}); results may not be comparable`);
  const clocks = [...new Set(ordered.map((s) => s.report.asOf))].sort(byCodeUnits);
  if (clocks.length > 1) warnings.push(`merged reports were evaluated at different times (${clocks.join(", ")}); run every shard with the same --as-of`);
  const asOf = clocks.at(-1)!;

  // Policies: the union, in the order a scan evaluates them.
  const policies = new Map<string, PolicySummary>();
  for (const { report } of ordered) {
    for (const p of report.policies) {
      const known = policies.get(p.id);
      if (!known) policies.set(p.id, p);
      else if (!sameJson(known, p)) warnings.push(`policy ${p.id} differs between merged reports (params or text); the first one is kept`);
    }
  }
  const policyIds = [...policies.keys()].sort((a, b) => a.localeCompare(b));

  // Inputs, results and findings, each result followed by its findings as a single scan writes them.
  const inputs: InputRecord[] = [];
  const entries: { result: Result; findings: Finding[]; shard: number; index: number }[] = [];
  const namedIn = new Map<string, string>();
  ordered.forEach((shard, s) => {
    for (const input of shard.report.inputs) inputs.push(input);
    const groups = findingsByResult(shard);
    shard.report.results.forEach((result, index) => entries.push({ result, findings: groups[index]!, shard: s, index }));
    const names = new Set(shard.report.inputs.filter((i) => i.status === "ok" && i.snapshot !== undefined).map((i) => i.snapshot!));
    for (const name of [...names].sort(byCodeUnits)) {
      const seen = namedIn.get(name);
      if (seen) warnings.push(`snapshot name "${name}" appears in ${seen} and in ${shard.path}; fingerprints, waivers and baselines cannot tell them apart`);
      else namedIn.set(name, shard.path);
    }
  });
  inputs.sort((a, b) => byCodeUnits(a.path, b.path));
  // By input, as a scan orders them; within an input, the shard's own order (policies by id). Two shards
  // with an input of the same path keep theirs apart rather than interleaved.
  entries.sort((a, b) => byCodeUnits(a.result.input, b.result.input) || a.shard - b.shard || a.index - b.index);
  const results: Result[] = [];
  const findings: Finding[] = [];
  for (const e of entries) {
    results.push(e.result);
    for (const f of e.findings) findings.push(f);
  }

  // Waivers: the same waiver in several shards is one waiver, matched as often as in all of them.
  let waivers: MergedWaiver[] | undefined;
  if (ordered.some((s) => s.report.waivers)) {
    const byKey = new Map<string, MergedWaiver>();
    for (const { report } of ordered) {
      for (const w of report.waivers ?? []) {
        const key = waiverKey(w);
        const known = byKey.get(key);
        byKey.set(key, known ? { ...known, matched: known.matched + w.matched } : { ...w });
      }
    }
    const asOfMs = Date.parse(asOf);
    waivers = [...byKey.values()].map((w) => ({ ...w, state: isExpired(w, asOfMs) ? "expired" : w.matched > 0 ? "active" : "stale" }));
  }

  const failOns = new Set(ordered.map((s) => s.report.summary.failOn));
  const failOn = options.failOn ?? (failOns.size === 1 ? [...failOns][0]! : "high");
  const fixedCounts = ordered.map((s) => s.report.summary.findings.fixed).filter((n): n is number => typeof n === "number");
  const summary = summarize(inputs, results, findings, policyIds.length, failOn, {
    ...(fixedCounts.length ? { fixed: fixedCounts.reduce((a, b) => a + b, 0) } : {}),
    untrusted: ordered.some((s) => s.report.summary.exitCode === 2),
  });

  const report: ScanReport = {
    tool: { ...first.tool },
    asOf,
    inputs,
    summary,
    results,
    findings,
    policies: policyIds.map((id) => policies.get(id)!),
    warnings: [...new Set([...ordered.flatMap((s) => s.report.warnings), ...warnings])],
    ...(waivers ? { waivers } : {}),
  };
  return { report, warnings };
}
