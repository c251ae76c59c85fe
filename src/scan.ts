// A scan from options to report: load policies and inputs, evaluate, gate. The CLI renders and writes.

import { isChatauditError, PolicyError, UsageError, type ChatauditError } from "./errors.js";
import { evaluateSnapshot } from "./engine/evaluate.js";
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
import type { LoadedPolicy } from "./policy/types.js";
import { loadInputs, type PlatformChoice } from "./snapshot/load.js";
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
  root?: string;
  /** Waivers file (--waivers): matching findings are waived until the waiver expires. */
  waivers?: string;
  /** Baseline file (--baseline): findings in it are unchanged and do not fail the gate. */
  baseline?: string;
  /** Warn about waivers expiring within this many days (default 14; 0: never). */
  warnExpiringDays?: number;
}

/** Problems that stop a run before anything is evaluated (bad policies, params, arguments). */
export class RunStopped extends Error {
  constructor(readonly errors: ChatauditError[]) {
    super(errors.map((e) => e.format()).join("\n"));
  }
}

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
export async function preparePolicies(options: ScanOptions): Promise<{ loaded: LoadedPolicy[]; compiled: CompiledPolicy[] }> {
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
  for (const p of selected.sort((a, b) => a.policy.id.localeCompare(b.policy.id))) {
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
  return { loaded: selected, compiled };
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

/** Run a whole scan. Throws RunStopped for problems that forbid evaluating anything. */
export async function scan(options: ScanOptions): Promise<ScanReport> {
  const asOf = parseAsOf(options.asOf);
  const asOfMs = Date.parse(asOf);
  const failOn = options.failOn ?? "high";
  const gateFiles = await loadGateFiles(options);
  const prepared = await preparePolicies(options).catch((e: unknown) => {
    throw e instanceof RunStopped && gateFiles.errors.length ? new RunStopped([...gateFiles.errors, ...e.errors]) : e;
  });
  if (gateFiles.errors.length) throw new RunStopped(gateFiles.errors);
  const { loaded, compiled } = prepared;
  const inputs = await loadInputs(options.inputs, {
    platform: options.platform, asOf, maxFileBytes: options.maxFileBytes, root: options.root,
  });

  const results: Result[] = [];
  const findings: Finding[] = [];
  const records: InputRecord[] = [];
  const warnings = [...inputs.warnings];
  const names = new Map<string, string>();
  for (const loadedSnapshot of inputs.snapshots) {
    const meta = loadedSnapshot.snapshot.metadata;
    const previous = names.get(meta.name);
    if (previous) {
      warnings.push(`${loadedSnapshot.path}: snapshot name "${meta.name}" is also used by ${previous}; fingerprints and waivers cannot tell them apart`);
    } else names.set(meta.name, loadedSnapshot.path);
    const evaluation = evaluateSnapshot(compiled, loadedSnapshot, { asOf: asOfMs });
    results.push(...evaluation.results);
    findings.push(...evaluation.findings);
    records.push({
      path: loadedSnapshot.path, sha256: loadedSnapshot.sha256, platform: loadedSnapshot.platform,
      snapshot: meta.name, collectedAt: meta.collectedAt,
      ...(loadedSnapshot.source ? { source: loadedSnapshot.source } : {}), status: "ok",
    });
  }
  for (const failure of inputs.failures) {
    const where = failure.error.where;
    records.push({
      path: failure.path, sha256: failure.sha256 ?? "", platform: "unknown", status: "error",
      error: { message: failure.error.message, ...(where?.line ? { line: where.line } : {}), ...(where?.column ? { column: where.column } : {}) },
    });
  }
  records.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const report: ScanReport = {
    tool: { name: "chataudit", version: TOOL_VERSION, policyPackVersion: policyPackVersion(loaded) },
    asOf,
    inputs: records,
    summary: summarize(records, results, findings, compiled.length, failOn),
    results,
    findings,
    policies: compiled.map(policySummary),
    warnings,
  };
  return applyGate(report, { waivers: gateFiles.waivers, baseline: gateFiles.baseline, asOf: asOfMs, warnWithinDays: options.warnExpiringDays });
}
