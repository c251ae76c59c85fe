// A scan from options to report: load policies and inputs, evaluate, gate. The CLI renders and writes.

import { resolve } from "node:path";
import { isChatauditError, PolicyError, UsageError, type ChatauditError, RunStopped } from "./errors.js";
import { loadAndEvaluate, outcomeError } from "./engine/parallel.js";
import { byCodeUnits } from "./order.js";
import type { Finding, InputRecord, PolicySummary, Result, ScanReport } from "./engine/types.js";
import { summarize, type FailOn } from "./gate/gate.js";
import { errorsOf } from "./config/config.js";
import { applyGate } from "./gate/apply.js";
import { loadBaseline, type Baseline } from "./gate/baseline.js";
import { loadWaivers } from "./gate/waivers.js";
import type { Waiver } from "./engine/types.js";
import { compilePolicy, type CompiledPolicy } from "./policy/compile.js";
import { loadPolicies } from "./policy/load.js";
import { loadParamsFile, type ParamOverrides } from "./policy/params.js";
import { catalogueAgeWarning, loadReleaseCatalogue, type ReleaseCatalogue } from "./policy/catalogue.js";
import type { LoadedPolicy } from "./policy/types.js";
import { expandInputs, skippedWarning, type Candidate, type InputFailure, type PlatformChoice } from "./snapshot/load.js";
import { policyPackVersion, TOOL_VERSION } from "./version.js";

export interface ScanOptions {
  inputs: string[];
  platform?: PlatformChoice;
  policyDirs?: string[];
  builtin?: boolean;
  /** Evaluation clock, ISO 8601 (default: now, read by the caller). */
  asOf: string;
  failOn?: FailOn;
  /** A params file, or the overrides themselves (from a config file). */
  paramsFile?: string;
  params?: ParamOverrides;
  /** Policy ids, tags or categories to keep / drop. */
  only?: string[];
  skip?: string[];
  maxFileBytes?: number;
  /** A release catalogue of the organisation's own (default: the bundled data/releases.yaml). */
  releaseCatalogue?: string;
  root?: string;
  /** Waivers file (--waivers): matching findings are waived until the waiver expires. */
  waivers?: string;
  /** Baseline file (--baseline): findings in it are unchanged and do not fail the gate. */
  baseline?: string;
  /** Warn about waivers expiring within this many days (default 14; 0: never). */
  warnExpiringDays?: number;
}

/** Problems that stop a run before anything is evaluated (bad policies, params, arguments). */
export { RunStopped };

/** Normalise --as-of: a date or date-time, to a canonical ISO string. */
export function parseAsOf(value: string | undefined, now: () => Date = () => new Date()): string {
  if (value === undefined) return now().toISOString();
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(`--as-of must be an ISO 8601 date or date-time (e.g. 2026-11-29T08:00:00Z), got "${value}"`);
  }
  return new Date(ms).toISOString();
}

function matchesSelector(p: LoadedPolicy, selectors: string[]): boolean {
  const { id, category, tags = [] } = p.policy;
  return selectors.some((s) => s === id || s === category || tags.includes(s));
}

/** Choose and compile the policies for a run; every problem found is reported together. */
export async function preparePolicies(options: ScanOptions): Promise<{ loaded: LoadedPolicy[]; compiled: CompiledPolicy[]; overrides: ParamOverrides }> {
  const { policies, errors } = await loadPolicies({ dirs: options.policyDirs, builtin: options.builtin });
  let overrides: ParamOverrides = { ...(options.params ?? {}) };
  if (options.paramsFile) {
    try {
      overrides = { ...overrides, ...(await loadParamsFile(options.paramsFile)) };
    } catch (e) {
      errors.push(e as ChatauditError);
    }
  }
  let selected = policies;
  if (options.only?.length) selected = selected.filter((p) => matchesSelector(p, options.only!));
  if (options.skip?.length) selected = selected.filter((p) => !matchesSelector(p, options.skip!));
  const known = new Set(policies.map((p) => p.policy.id));
  for (const id of Object.keys(overrides)) {
    if (!known.has(id) && errors.length === 0) {
      errors.push(new PolicyError(`params given for unknown policy ${id}`, { file: options.paramsFile ?? "params" }));
    }
  }
  const compiled: CompiledPolicy[] = [];
  for (const p of selected.sort((a, b) => byCodeUnits(a.policy.id, b.policy.id))) {
    try {
      compiled.push(compilePolicy(p, overrides[p.policy.id], options.paramsFile));
    } catch (e) {
      errors.push(e as ChatauditError);
    }
  }
  if (errors.length) throw new RunStopped(errors);
  if (compiled.length === 0) {
    throw new RunStopped([new UsageError("no policies selected (check --only, --skip, --policies and --no-builtin)")]);
  }
  return { loaded: selected, compiled, overrides };
}

export function policySummary(c: CompiledPolicy): PolicySummary {
  const p = c.policy;
  return {
    id: p.id, title: p.title, category: p.category, severity: p.severity, description: p.description,
    rationale: p.rationale, remediation: p.remediation, references: p.references, frameworks: p.frameworks,
    tags: p.tags ?? [], params: c.params, source: c.source,
  };
}

/** Waivers and baseline, read before anything is evaluated: a bad one stops the run (exit 2) at its file:line. */
async function loadGateFiles(options: ScanOptions): Promise<{ waivers?: Waiver[]; baseline?: Baseline; errors: ChatauditError[] }> {
  const errors: ChatauditError[] = [];
  const attempt = async <T>(load: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await load();
    } catch (e) {
      if (!isChatauditError(e)) throw e;
      errors.push(...errorsOf(e));
      return undefined;
    }
  };
  const waivers = options.waivers ? await attempt(() => loadWaivers(options.waivers!)) : undefined;
  const baseline = options.baseline ? await attempt(() => loadBaseline(options.baseline!)) : undefined;
  return { ...(waivers ? { waivers } : {}), ...(baseline ? { baseline } : {}), errors };
}

/**
 * CHATAUDIT_TIMINGS=1 prints when each stage started and ended (ms since the process started) on
 * stderr, for `npm run bench`; never into a report.
 */
function timing(stage: string, since: number, detail = ""): number {
  const now = performance.now();
  if (process.env.CHATAUDIT_TIMINGS === "1") {
    const { rss, heapUsed } = process.memoryUsage();
    const { user, system } = process.cpuUsage();
    process.stderr.write(`chataudit: timing: ${stage} ${since.toFixed(1)} ${now.toFixed(1)} rss=${rss} heap=${heapUsed} cpu=${((user + system) / 1000).toFixed(1)}${detail}\n`);
  }
  return now;
}

/** Run a whole scan. Throws RunStopped for problems that forbid evaluating anything. */
export async function scan(options: ScanOptions): Promise<ScanReport> {
  let clock = performance.now();
  const asOf = parseAsOf(options.asOf);
  const asOfMs = Date.parse(asOf);
  const failOn = options.failOn ?? "high";
  const gateFiles = await loadGateFiles(options);
  const prepared = await preparePolicies(options).catch((e: unknown) => {
    throw e instanceof RunStopped && gateFiles.errors.length ? new RunStopped([...gateFiles.errors, ...e.errors]) : e;
  });
  if (gateFiles.errors.length) throw new RunStopped(gateFiles.errors);
  const { loaded, compiled, overrides } = prepared;
  let catalogue: ReleaseCatalogue;
  try {
    catalogue = await loadReleaseCatalogue(options.releaseCatalogue);
  } catch (e) {
    throw new RunStopped(isChatauditError(e) ? errorsOf(e) : [new UsageError(String((e as Error)?.message ?? e))]);
  }
  clock = timing("policies", clock);
  const load = { platform: options.platform, asOf, maxFileBytes: options.maxFileBytes, root: options.root };
  const expanded = await expandInputs(options.inputs, load);
  // Each input is loaded, evaluated and dropped before the next: one snapshot in memory per thread.
  const threadStats = { threads: 1, byWorkers: 0 };
  const outcomes = await loadAndEvaluate(expanded.candidates, {
    load, root: expanded.root, asOf: asOfMs, policies: loaded, overrides, catalogue, ...(options.paramsFile ? { paramsFile: options.paramsFile } : {}),
  }, compiled, { stats: threadStats });
  clock = timing("load+evaluate", clock, ` threads=${threadStats.threads} by-workers=${threadStats.byWorkers}`);

  const results: Result[] = [];
  const findings: Finding[] = [];
  const records: InputRecord[] = [];
  const failures: InputFailure[] = [...expanded.failures];
  const warnings = [...expanded.warnings];
  const stale = catalogueAgeWarning(catalogue, asOfMs);
  if (stale) warnings.push(stale);
  const duplicates: string[] = [];
  const skipped: Candidate[] = [];
  const referenced = new Set<string>();
  const names = new Map<string, string>();
  outcomes.forEach((outcome, i) => {
    if (outcome.kind === "unrecognised") skipped.push(expanded.candidates[i]!);
    else if (outcome.kind === "warning") warnings.push(outcome.warning);
    else if (outcome.kind === "failure") failures.push({ path: outcome.path, sha256: outcome.sha256, error: outcomeError(outcome) });
    else {
      const { record } = outcome;
      const previous = names.get(record.snapshot!);
      if (previous) {
        duplicates.push(`${record.path}: snapshot name "${record.snapshot}" is also used by ${previous}; fingerprints and waivers cannot tell them apart`);
      } else names.set(record.snapshot!, record.path);
      for (const f of outcome.sources ?? []) referenced.add(resolve(expanded.root, f));
      // One at a time: spreading 100,000 findings into push() would overflow the call stack.
      for (const r of outcome.results) results.push(r);
      for (const f of outcome.findings) findings.push(f);
      records.push(record);
    }
  });
  const skippedNote = skippedWarning(skipped, referenced);
  if (skippedNote) warnings.push(skippedNote);
  for (const d of duplicates) warnings.push(d);
  for (const failure of failures) {
    const where = failure.error.where;
    records.push({
      path: failure.path, sha256: failure.sha256 ?? "", platform: "unknown", status: "error",
      error: { message: failure.error.message, ...(where?.line ? { line: where.line } : {}), ...(where?.column ? { column: where.column } : {}) },
    });
  }
  records.sort((a, b) => byCodeUnits(a.path, b.path));

  const report: ScanReport = {
    tool: {
      name: "chataudit", version: TOOL_VERSION, policyPackVersion: policyPackVersion(loaded),
      releaseCatalogue: { date: catalogue.catalogueDate, source: catalogue.source },
    },
    asOf,
    inputs: records,
    summary: summarize(records, results, findings, compiled.length, failOn),
    results,
    findings,
    policies: compiled.map(policySummary),
    warnings,
  };
  const gated = applyGate(report, { waivers: gateFiles.waivers, baseline: gateFiles.baseline, asOf: asOfMs, warnWithinDays: options.warnExpiringDays });
  timing("gate", clock);
  return gated;
}
