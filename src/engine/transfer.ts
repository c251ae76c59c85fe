// Outcomes on their way from a worker thread to the main thread, with what the main thread already knows left out.
//
// Every result and finding repeats its policy's id, title, category, severity and frameworks and its snapshot's
// name and file. Sent as they are, 2,000 tenants' 100,000 results and 30,000 findings cost the main thread more
// to deserialize than a worker took to evaluate them, and a second thread made a scan slower. Packed, a result
// is a short tuple and a finding carries only what is its own; the main thread puts back the rest, sharing one
// frameworks object per policy as a single-threaded scan does. Unpacking gives objects equal to the originals,
// field for field and in the same order, so reports stay byte-identical.

import type { CompiledPolicy } from "../policy/compile.js";
import { rememberJson } from "../reports/prerendered.js";
import type { SourceLocation } from "../snapshot/types.js";
import type { Finding, InputRecord, Result, ResultStatus } from "./types.js";

type PackedResult = [policy: number, status: ResultStatus, evaluated: number, failed: number, waived: number, reason: string | null];

type PackedFinding = [
  policy: number,
  subject: string,
  message: string,
  evidence: Finding["evidence"],
  /** The location's file when it is not the input's own (a users export beside a config, say). */
  file: string | null,
  line: number,
  column: number,
  fingerprint: string,
];

export interface PackedSnapshot {
  kind: "packed";
  record: InputRecord;
  sources?: string[];
  results: PackedResult[];
  findings: PackedFinding[];
  /**
   * JSON.stringify of each result and finding, one per line (JSON text has no raw newline): rendered here, in
   * parallel, so that the main thread writes the report without stringifying them again.
   */
  resultsJson: string;
  findingsJson: string;
}

/** The fields a finding takes from its policy; a finding that differs is sent whole (never, by construction). */
function fromPolicy(f: Finding, c: CompiledPolicy | undefined): boolean {
  const p = c?.policy;
  return p !== undefined && f.title === p.title && f.category === p.category && f.severity === p.severity && f.frameworks === p.frameworks;
}

/**
 * A snapshot's results and findings packed for postMessage, or undefined when something in them is not what
 * evaluateSnapshot makes (gated findings, results out of policy order): then the outcome is sent as it is.
 */
export function packSnapshot(
  outcome: { record: InputRecord; results: Result[]; findings: Finding[]; sources?: string[] },
  compiled: readonly CompiledPolicy[],
  indexOf: ReadonlyMap<string, number>,
): PackedSnapshot | undefined {
  const { record } = outcome;
  if (outcome.results.length !== compiled.length) return undefined;
  const results: PackedResult[] = new Array(outcome.results.length);
  for (let i = 0; i < outcome.results.length; i += 1) {
    const r = outcome.results[i]!;
    const p = compiled[i]!.policy;
    if (r.policyId !== p.id || r.title !== p.title || r.snapshot !== record.snapshot || r.input !== record.path) return undefined;
    results[i] = [i, r.status, r.evaluated, r.failed, r.waived, r.reason ?? null];
  }
  const findings: PackedFinding[] = new Array(outcome.findings.length);
  for (let i = 0; i < outcome.findings.length; i += 1) {
    const f = outcome.findings[i]!;
    const index = indexOf.get(f.policyId);
    if (index === undefined || !fromPolicy(f, compiled[index]) || f.status !== "fail" || f.snapshot !== record.snapshot) return undefined;
    if (f.waiver !== undefined || f.baselineState !== undefined) return undefined;
    const { path, line, column } = f.location;
    findings[i] = [index, f.subject, f.message, f.evidence, path === record.path ? null : path, line, column, f.fingerprint];
  }
  return {
    kind: "packed", record, ...(outcome.sources ? { sources: outcome.sources } : {}), results, findings,
    resultsJson: outcome.results.map((r) => JSON.stringify(r)).join("\n"),
    findingsJson: outcome.findings.map((f) => JSON.stringify(f)).join("\n"),
  };
}

/** The results and findings of a packed snapshot, as evaluateSnapshot made them. */
export function unpackSnapshot(packed: PackedSnapshot, compiled: readonly CompiledPolicy[]): { results: Result[]; findings: Finding[] } {
  const { record } = packed;
  const snapshot = record.snapshot!;
  const results = packed.results.map(([index, status, evaluated, failed, waived, reason]): Result => {
    const p = compiled[index]!.policy;
    const result: Result = {
      policyId: p.id, title: p.title, category: p.category, severity: p.severity, snapshot, input: record.path,
      status, evaluated, failed, waived,
    };
    if (reason !== null) result.reason = reason;
    return result;
  });
  const findings = packed.findings.map(([index, subject, message, evidence, file, line, column, fingerprint]): Finding => {
    const p = compiled[index]!.policy;
    const location: SourceLocation = { path: file ?? record.path, line, column };
    return {
      policyId: p.id, title: p.title, category: p.category, severity: p.severity, status: "fail", snapshot, subject,
      message, evidence, location, fingerprint, frameworks: p.frameworks,
    };
  });
  remember(results, packed.resultsJson);
  remember(findings, packed.findingsJson);
  return { results, findings };
}

/** Keep each object's text from the worker, when there is one line per object. */
function remember(values: readonly object[], lines: string): void {
  if (values.length === 0) return;
  const texts = lines.split("\n");
  if (texts.length !== values.length) return;
  for (let i = 0; i < values.length; i += 1) rememberJson(values[i]!, texts[i]!);
}

/** Policy id -> position in the compiled list, for packSnapshot. */
export function policyIndex(compiled: readonly CompiledPolicy[]): Map<string, number> {
  return new Map(compiled.map((c, i) => [c.policy.id, i]));
}
