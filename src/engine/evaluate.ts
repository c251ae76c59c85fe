// The engine: compiled policies x one snapshot -> results and findings. No I/O, no clock, no globals.

import { createHash } from "node:crypto";
import { readPath, truthy, type Scope } from "../policy/jsonlogic.js";
import type { CompiledPolicy } from "../policy/compile.js";
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
  finding: Omit<Finding, "location">;
  locationPath: string;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** sha256 of policy id + snapshot name + subject: stable across moved lines and renamed files. */
export function fingerprint(policyId: string, snapshot: string, subject: string): string {
  return createHash("sha256").update(`${policyId}\u0000${snapshot}\u0000${subject}`).digest("hex");
}

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

    if (policy.platforms && !policy.platforms.includes(platform as never) && !policy.platforms.includes("generic")) {
      result.status = "not-evaluated";
      result.reason = `applies to ${policy.platforms.join(", ")} only`;
      continue;
    }
    const missing = compiled.requires.filter((path) => !isPresent(readPath(root, path, undefined)));
    if (missing.length > 0) {
      result.status = "not-evaluated";
      result.reason = `missing evidence: ${missing.map((p) => p.join(".")).join(", ")}`;
      continue;
    }

    const computed: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const scope: Scope = { ctx, roots: { params: compiled.params, snapshot: root, computed } };
    try {
      if (compiled.select) {
        const items = readPath(root, compiled.select, undefined);
        if (!Array.isArray(items)) {
          result.status = "not-evaluated";
          result.reason = `missing evidence: ${compiled.select.join(".")}`;
          continue;
        }
        const selectPath = compiled.select.join(".");
        const seen = new Set<string>();
        let unknown = 0;
        for (let i = 0; i < items.length; i += 1) {
          const item = items[i];
          if (compiled.where && !truthy(compiled.where(item, scope))) continue;
          if (compiled.evidence.length && !compiled.evidence.every((p) => isPresent(readPath(item, p, undefined)))) {
            unknown += 1;
            continue;
          }
          result.evaluated += 1;
          for (const [key, rule] of compiled.compute) computed[key] = rule(item, scope);
          if (truthy(compiled.assert(item, scope))) continue;
          result.failed += 1;
          let key = subjectKey(item, i, policy.subjectKey);
          if (seen.has(key)) key = `${key}#${i}`;
          seen.add(key);
          pending.push(makeFinding(compiled, loaded, item, `${selectPath}/${key}`, `${selectPath}.${i}`, computed));
        }
        if (unknown > 0) {
          const fields = compiled.evidence.map((p) => `${selectPath}[].${p.join(".")}`).join(", ");
          if (result.evaluated === 0) {
            result.status = "not-evaluated";
            result.reason = `missing evidence: ${fields} (absent in all ${unknown} applicable item${unknown === 1 ? "" : "s"})`;
            continue;
          }
          result.reason = `${unknown} of ${unknown + result.evaluated} applicable items not judged: ${fields} missing`;
        }
      } else {
        if (compiled.where && !truthy(compiled.where(root, scope))) {
          result.status = "not-evaluated";
          result.reason = "not applicable to this snapshot";
          continue;
        }
        result.evaluated = 1;
        for (const [key, rule] of compiled.compute) computed[key] = rule(root, scope);
        if (!truthy(compiled.assert(root, scope))) {
          result.failed = 1;
          pending.push(makeFinding(compiled, loaded, root, "snapshot", "", computed));
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
  const locations = pending.length ? loaded.provenance.locate([...new Set(pending.map((p) => p.locationPath))]) : new Map<string, SourceLocation>();
  const findings = pending.map(({ finding, locationPath }) => ({
    ...finding,
    location: locations.get(locationPath) ?? ({ path: loaded.path, line: 1, column: 1 } as SourceLocation),
  }));
  // Keep the documented field order in the JSON report.
  return { results, findings: findings.map(orderFinding) };
}

function orderFinding(f: Finding): Finding {
  return {
    policyId: f.policyId, title: f.title, category: f.category, severity: f.severity, status: f.status,
    snapshot: f.snapshot, subject: f.subject, message: f.message, evidence: f.evidence, location: f.location,
    fingerprint: f.fingerprint, frameworks: f.frameworks,
  };
}

function makeFinding(
  compiled: CompiledPolicy,
  loaded: LoadedSnapshot,
  subject: unknown,
  subjectId: string,
  subjectPath: string,
  computed: Record<string, unknown>,
): PendingFinding {
  const { policy } = compiled;
  const actual: Record<string, unknown> = {};
  for (const path of compiled.evidencePaths) {
    const value = readPath(subject, path, undefined);
    actual[path.join(".")] = value === undefined ? null : value;
  }
  for (const key of Object.keys(computed)) actual[`computed.${key}`] = computed[key] ?? null;
  const expected: Record<string, unknown> = {};
  for (const name of compiled.expectedParams) expected[name] = compiled.params[name];

  // The value the finding is about: the first one read that exists; else the first read (its nearest
  // existing ancestor, the enclosing section, is what provenance resolves).
  const relative =
    compiled.locate ??
    compiled.locationCandidates.find((p) => isPresent(readPath(subject, p, undefined))) ??
    compiled.locationCandidates[0] ??
    [];
  const locationPath = [subjectPath, ...relative].filter((s) => s !== "").join(".");

  const context: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (subject !== null && typeof subject === "object" && !Array.isArray(subject)) {
    for (const key of Object.keys(subject)) context[key] = (subject as Record<string, unknown>)[key];
  } else {
    context.value = subject;
  }
  context.params = compiled.params;
  context.computed = { ...computed };
  context.snapshot = loaded.snapshot;
  let message: string;
  try {
    message = compiled.renderMessage(context);
  } catch {
    message = policy.title;
  }

  return {
    locationPath,
    finding: {
      policyId: policy.id,
      title: policy.title,
      category: policy.category,
      severity: policy.severity,
      status: "fail",
      snapshot: loaded.snapshot.metadata.name,
      subject: subjectId,
      message: message.replace(/\s+/g, " ").trim(),
      evidence: { expected, actual },
      fingerprint: fingerprint(policy.id, loaded.snapshot.metadata.name, subjectId),
      frameworks: policy.frameworks,
    },
  };
}
