// The engine: compiled policies x one snapshot -> results and findings. No I/O, no clock, no globals.

import { readPath, truthy, type Scope } from "../policy/jsonlogic.js";
import type { CompiledPolicy } from "../policy/compile.js";
import { sha256 } from "../source/text.js";
import type { LoadedSnapshot, SourceLocation } from "../snapshot/types.js";
import type { Finding, Result } from "./types.js";

export interface EvaluationOptions {
  /** Evaluation clock, epoch milliseconds. */
  asOf: number;
}

export interface SnapshotEvaluation {
  results: Result[];
  findings: Finding[];
}

/** A failing subject before its location is resolved (done in one batch per snapshot). */
interface PendingFinding {
  finding: Finding;
  locationPath: string;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** sha256 of policy id + snapshot name + subject: stable across moved lines and renamed files. */
export function fingerprint(policyId: string, snapshot: string, subject: string): string {
  return sha256(`${policyId}\u0000${snapshot}\u0000${subject}`);
}

/** What one compiled policy's evaluations share, worked out once rather than per snapshot or per finding. */
interface PolicyShape {
  /** Whether the policy applies to a platform (undefined: to every platform). */
  platforms?: ReadonlySet<string>;
  /** The `select` path as written, for subjects and messages. */
  selectPath: string;
  /** Subject-relative paths the evidence reads, with their keys in `evidence.actual`. */
  actual: [path: string[], key: string][];
  /** The params the rules read: the same object for every finding of the policy (reports only read it). */
  expected: Record<string, unknown>;
  /** What an item (or the snapshot) must record to be judged, as a not-evaluated reason names it. */
  evidenceFields: string;
  /** `locate` and the location candidates as dotted paths. */
  locate?: string;
  locationCandidates: string[];
}

const shapes = new WeakMap<CompiledPolicy, PolicyShape>();

function shapeOf(compiled: CompiledPolicy): PolicyShape {
  let shape = shapes.get(compiled);
  if (!shape) {
    const { policy } = compiled;
    const expected: Record<string, unknown> = {};
    for (const name of compiled.expectedParams) expected[name] = compiled.params[name];
    const selectPath = compiled.select?.join(".") ?? "";
    shape = {
      ...(policy.platforms && !policy.platforms.includes("generic") ? { platforms: new Set<string>(policy.platforms) } : {}),
      selectPath,
      actual: compiled.evidencePaths.map((path) => [path, path.join(".")]),
      expected,
      evidenceFields: [
        ...compiled.evidence.map((p) => (compiled.select ? `${selectPath}[].${p.join(".")}` : p.join("."))),
        ...compiled.evidenceRules.map((e) => (compiled.select ? `${selectPath}[]: ${e.describe}` : e.describe)),
      ].join(", "),
      ...(compiled.locate ? { locate: compiled.locate.join(".") } : {}),
      locationCandidates: compiled.locationCandidates.map((p) => p.join(".")),
    };
    shapes.set(compiled, shape);
  }
  return shape;
}

/** Whether an item records everything the policy needs to judge it: its evidence paths present, its evidence rules true. */
function hasEvidence(item: unknown, compiled: CompiledPolicy, scope: Scope): boolean {
  const { evidence, evidenceRules } = compiled;
  for (let k = 0; k < evidence.length; k += 1) if (!isPresent(readPath(item, evidence[k]!, undefined))) return false;
  for (let k = 0; k < evidenceRules.length; k += 1) if (!truthy(evidenceRules[k]!.rule(item, scope))) return false;
  return true;
}

/** `computed` for a policy without compute rules: never written, so one object serves them all. */
const NO_COMPUTED: Record<string, unknown> = Object.freeze(Object.create(null) as Record<string, unknown>);

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function subjectKey(item: unknown, index: number, key: string | undefined): string {
  if (item !== null && typeof item === "object") {
    const record = item as Record<string, unknown>;
    for (const k of key ? [key] : ["id", "name", "username"]) {
      const v = hasOwn.call(record, k) ? record[k] : undefined;
      if (typeof v === "string" && v !== "") return v;
      if (typeof v === "number") return String(v);
    }
  } else if (typeof item === "string" || typeof item === "number") {
    return String(item);
  }
  return `#${index}`;
}

/** Evaluate every policy against one snapshot. */
export function evaluateSnapshot(
  policies: readonly CompiledPolicy[],
  loaded: LoadedSnapshot,
  options: EvaluationOptions,
): SnapshotEvaluation {
  const root = loaded.snapshot;
  const name = root.metadata.name;
  const platform = root.metadata.platform;
  const results: Result[] = [];
  const pending: PendingFinding[] = [];
  const ctx = { asOf: options.asOf };

  for (const compiled of policies) {
    const { policy } = compiled;
    const shape = shapeOf(compiled);
    const result: Result = {
      policyId: policy.id,
      title: policy.title,
      category: policy.category,
      severity: policy.severity,
      snapshot: name,
      input: loaded.path,
      status: "pass",
      evaluated: 0,
      failed: 0,
      waived: 0,
    };
    results.push(result);

    if (shape.platforms && !shape.platforms.has(platform)) {
      result.status = "not-evaluated";
      result.reason = `applies to ${policy.platforms!.join(", ")} only`;
      continue;
    }
    if (compiled.requires.length > 0) {
      const missing = compiled.requires.filter((path) => !isPresent(readPath(root, path, undefined)));
      if (missing.length > 0) {
        result.status = "not-evaluated";
        result.reason = `missing evidence: ${missing.map((p) => p.join(".")).join(", ")}`;
        continue;
      }
    }

    const computeRules = compiled.compute;
    const computed = computeRules.length > 0 ? (Object.create(null) as Record<string, unknown>) : NO_COMPUTED;
    const scope: Scope = { ctx, roots: { params: compiled.params, snapshot: root, computed }, memo: undefined };
    try {
      if (compiled.select) {
        const items = readPath(root, compiled.select, undefined);
        if (!Array.isArray(items)) {
          result.status = "not-evaluated";
          result.reason = `missing evidence: ${shape.selectPath}`;
          continue;
        }
        const { where, assert } = compiled;
        const needsEvidence = compiled.evidence.length > 0 || compiled.evidenceRules.length > 0;
        let seen: Set<string> | undefined;
        let unknown = 0;
        for (let i = 0; i < items.length; i += 1) {
          const item: unknown = items[i];
          if (where && !truthy(where(item, scope))) continue;
          if (needsEvidence && !hasEvidence(item, compiled, scope)) {
            unknown += 1;
            continue;
          }
          result.evaluated += 1;
          for (let k = 0; k < computeRules.length; k += 1) computed[computeRules[k]![0]] = computeRules[k]![1](item, scope);
          if (truthy(assert(item, scope))) continue;
          result.failed += 1;
          let key = subjectKey(item, i, policy.subjectKey);
          seen ??= new Set<string>();
          if (seen.has(key)) key = `${key}#${i}`;
          seen.add(key);
          pending.push(makeFinding(compiled, shape, loaded, item, `${shape.selectPath}/${key}`, `${shape.selectPath}.${i}`, computed));
        }
        if (unknown > 0) {
          if (result.evaluated === 0) {
            result.status = "not-evaluated";
            result.reason = `missing evidence: ${shape.evidenceFields} (absent in all ${unknown} applicable item${unknown === 1 ? "" : "s"})`;
            continue;
          }
          result.reason = `${unknown} of ${unknown + result.evaluated} applicable items not judged: ${shape.evidenceFields} missing`;
        }
      } else {
        if (compiled.where && !truthy(compiled.where(root, scope))) {
          result.status = "not-evaluated";
          result.reason = "not applicable to this snapshot";
          continue;
        }
        if ((compiled.evidence.length > 0 || compiled.evidenceRules.length > 0) && !hasEvidence(root, compiled, scope)) {
          result.status = "not-evaluated";
          result.reason = `missing evidence: ${shape.evidenceFields}`;
          continue;
        }
        result.evaluated = 1;
        for (let k = 0; k < computeRules.length; k += 1) computed[computeRules[k]![0]] = computeRules[k]![1](root, scope);
        if (!truthy(compiled.assert(root, scope))) {
          result.failed = 1;
          pending.push(makeFinding(compiled, shape, loaded, root, "snapshot", "", computed));
        }
      }
      result.status = result.failed > 0 ? "fail" : "pass";
    } catch (e) {
      result.status = "error";
      result.reason = `evaluation failed: ${(e as Error)?.message ?? String(e)}`;
      result.failed = 0;
    }
  }

  // Locating reads the whole source text: only when something failed.
  const findings: Finding[] = new Array(pending.length);
  if (pending.length) {
    const locations = loaded.provenance.locate([...new Set(pending.map((p) => p.locationPath))]);
    for (let i = 0; i < pending.length; i += 1) {
      const { finding, locationPath } = pending[i]!;
      finding.location = locations.get(locationPath) ?? { path: loaded.path, line: 1, column: 1 };
      findings[i] = finding;
    }
  }
  return { results, findings };
}

const WHITESPACE_RUNS = /\s+/g;
/** Whitespace a message must lose: a run, a line break or tab, or any at either end. */
const UNTIDY = /\s\s|[^\S ]|^\s|\s$/;

/** A message on one line with single spaces. Most need nothing done, and then no string is made. */
function tidy(message: string): string {
  return UNTIDY.test(message) ? message.replace(WHITESPACE_RUNS, " ").trim() : message;
}

/**
 * A message's context: the subject's own members, copied one by one. Spreading a parsed user and then adding the
 * scope's names cost V8 several microseconds a finding (a map transition each); this costs a fraction. A member
 * named "__proto__" stays a data member, as JSON.parse made it, rather than setting the copy's prototype;
 * Handlebars reads own members only (allowProtoPropertiesByDefault is off), so `{{constructor}}` finds nothing.
 */
function copyOwn(from: object): Record<string, unknown> {
  const to: Record<string, unknown> = {};
  for (const key in from) {
    if (!hasOwn.call(from, key)) continue;
    const value = (from as Record<string, unknown>)[key];
    if (key === "__proto__") Object.defineProperty(to, key, { value, enumerable: true, writable: true, configurable: true });
    else to[key] = value;
  }
  return to;
}

function makeFinding(
  compiled: CompiledPolicy,
  shape: PolicyShape,
  loaded: LoadedSnapshot,
  subject: unknown,
  subjectId: string,
  subjectPath: string,
  computed: Record<string, unknown>,
): PendingFinding {
  const { policy } = compiled;
  const actual: Record<string, unknown> = {};
  for (const [path, key] of shape.actual) {
    const value = readPath(subject, path, undefined);
    actual[key] = value === undefined ? null : value;
  }
  for (const key in computed) actual[`computed.${key}`] = computed[key] ?? null;

  // The value the finding is about: the first one read that exists; else the first read (its nearest
  // existing ancestor, the enclosing section, is what provenance resolves).
  let relativePath = shape.locate;
  if (relativePath === undefined) {
    const candidates = compiled.locationCandidates;
    relativePath = shape.locationCandidates[0] ?? "";
    for (let k = 0; k < candidates.length; k += 1) {
      if (isPresent(readPath(subject, candidates[k]!, undefined))) {
        relativePath = shape.locationCandidates[k]!;
        break;
      }
    }
  }
  const locationPath = subjectPath === "" ? relativePath : relativePath === "" ? subjectPath : `${subjectPath}.${relativePath}`;

  const context = copyOwn(subject !== null && typeof subject === "object" && !Array.isArray(subject) ? subject : { value: subject });
  context.params = compiled.params;
  context.computed = copyOwn(computed);
  context.snapshot = loaded.snapshot;
  let message: string;
  try {
    message = compiled.renderMessage(context);
  } catch {
    message = policy.title;
  }

  const snapshot = loaded.snapshot.metadata.name;
  return {
    locationPath,
    // The documented field order of the JSON report; the location is filled in once per snapshot.
    finding: {
      policyId: policy.id,
      title: policy.title,
      category: policy.category,
      severity: policy.severity,
      status: "fail",
      snapshot,
      subject: subjectId,
      message: tidy(message),
      evidence: { expected: shape.expected, actual },
      location: undefined as unknown as SourceLocation,
      fingerprint: fingerprint(policy.id, snapshot, subjectId),
      frameworks: policy.frameworks,
    },
  };
}
