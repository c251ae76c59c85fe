// Running a policy's own examples: each fragment becomes a snapshot, is evaluated, and must give the status it claims.

import { evaluateSnapshot } from "../engine/evaluate.js";
import type { Result, ResultStatus } from "../engine/types.js";
import type { ChatauditError } from "../errors.js";
import { schemaProblems, validatorFor } from "../schema.js";
import { inMemorySnapshot } from "../snapshot/provenance.js";
import type { Snapshot } from "../snapshot/types.js";
import { compilePolicy } from "./compile.js";
import { loadPolicies, type PolicySources } from "./load.js";
import { EXAMPLES_AS_OF, type LoadedPolicy, type Policy } from "./types.js";

export type ExampleKind = "pass" | "fail";

/** One example run: what it claims, what the engine said, and why. */
export interface ExampleCheck {
  kind: ExampleKind;
  index: number;
  /** The engine's status, or "invalid" when the fragment is not a valid snapshot. */
  status: ResultStatus | "invalid";
  /** Why the status differs from the claim (not-evaluated reason, first finding, schema problem). */
  reason?: string;
  ok: boolean;
}

export interface PolicyExampleRun {
  loaded: LoadedPolicy;
  checks: ExampleCheck[];
}

export interface ExampleSuite {
  runs: PolicyExampleRun[];
  /** Policies that could not be loaded or compiled: nothing ran. */
  errors: ChatauditError[];
  examples: number;
  failures: number;
}

/** The platform an example pretends to be: the policy's first platform, else "generic" (every policy applies). */
function examplePlatform(policy: Policy): string {
  return policy.platforms?.find((p) => p !== "generic") ?? "generic";
}

/** A whole snapshot from an example fragment: apiVersion, kind and metadata added, the fragment's own metadata kept. */
export function exampleSnapshot(policy: Policy, fragment: Record<string, unknown>, kind: ExampleKind, index: number): Snapshot {
  const asOf = policy.examples.asOf ?? EXAMPLES_AS_OF;
  const own = (fragment.metadata ?? {}) as Record<string, unknown>;
  return {
    ...fragment,
    apiVersion: "chataudit/v1",
    kind: "Snapshot",
    metadata: { name: `${policy.id}-${kind}-${index}`, platform: examplePlatform(policy), collectedAt: asOf, ...own },
  } as Snapshot;
}

/** Why a result came out as it did, in a few words for the failure line. */
function explain(result: Result, firstMessage: string | undefined): string | undefined {
  switch (result.status) {
    case "pass":
      return result.evaluated === 0 ? "no subject was evaluated" : `${result.evaluated} evaluated, none failed`;
    case "fail":
      return firstMessage;
    default:
      return result.reason;
  }
}

/** Run every example of one policy with its default params at the examples' clock. Never throws for a bad example. */
export function runPolicyExamples(loaded: LoadedPolicy): PolicyExampleRun {
  const { policy } = loaded;
  const compiled = compilePolicy(loaded);
  const asOf = Date.parse(policy.examples.asOf ?? EXAMPLES_AS_OF);
  const validate = validatorFor("snapshot");
  const checks: ExampleCheck[] = [];
  for (const kind of ["pass", "fail"] as const) {
    policy.examples[kind].forEach((fragment, index) => {
      const snapshot = exampleSnapshot(policy, fragment, kind, index);
      if (!validate(snapshot)) {
        const problem = schemaProblems(validate.errors)[0];
        checks.push({ kind, index, status: "invalid", reason: `not a valid snapshot: ${problem?.message ?? "schema error"}`, ok: false });
        return;
      }
      const { results, findings } = evaluateSnapshot([compiled], inMemorySnapshot(snapshot, loaded.path), { asOf });
      const result = results[0]!;
      checks.push({ kind, index, status: result.status, reason: explain(result, findings[0]?.message), ok: result.status === kind });
    });
  }
  return { loaded, checks };
}

/** "<policy file>: examples.<kind>[<i>]: expected <kind>, got <status> (<reason>)" */
export function formatExampleFailure(run: PolicyExampleRun, check: ExampleCheck): string {
  const reason = check.reason ? ` (${check.reason})` : "";
  return `${run.loaded.path}: examples.${check.kind}[${check.index}]: expected ${check.kind}, got ${check.status}${reason}`;
}

/** Load policies (bundled and/or folders) and run all their examples. Load errors are returned, not thrown. */
export async function runExampleSuite(sources: PolicySources): Promise<ExampleSuite> {
  const { policies, errors } = await loadPolicies(sources);
  if (errors.length > 0) return { runs: [], errors, examples: 0, failures: 0 };
  const runs = [...policies].sort((a, b) => a.policy.id.localeCompare(b.policy.id)).map(runPolicyExamples);
  const checks = runs.flatMap((r) => r.checks);
  return { runs, errors: [], examples: checks.length, failures: checks.filter((c) => !c.ok).length };
}
