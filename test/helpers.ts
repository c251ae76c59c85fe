// Shared test helpers: policies from inline YAML, snapshots from objects, the repository's paths.

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compilePolicy, type CompiledPolicy } from "../src/policy/compile.js";
import { parsePolicy } from "../src/policy/load.js";
import { inMemorySnapshot } from "../src/snapshot/provenance.js";
import type { LoadedSnapshot, Snapshot } from "../src/snapshot/types.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SHARED = resolve(REPO, "../shared");
export const FIXTURES = join(REPO, "fixtures");

const POLICY_HEAD = `apiVersion: chataudit/v1
kind: Policy
category: access
severity: high
description: A policy written inline for a test.
rationale: Tests need a policy whose behaviour they control.
remediation: Change the snapshot so that the assertion holds.
references: [https://example.com/standard]
frameworks: { nist-800-53-r5: [AC-2] }
examples: { pass: [{}], fail: [{}] }
`;

/** A compiled policy from the fields that matter to a test (YAML text), with metadata filled in. */
export function inlinePolicy(body: string, overrides?: Record<string, unknown>): CompiledPolicy {
  const id = /^id: (.+)$/m.exec(body)?.[1] ?? "CA-TST-001";
  const text = `${POLICY_HEAD}${/^id:/m.test(body) ? "" : `id: ${id}\n`}${/^title:/m.test(body) ? "" : "title: Inline test policy\n"}${body}`;
  return compilePolicy(parsePolicy(text, `${id}.yaml`), overrides);
}

export function snapshotOf(fragment: Partial<Snapshot>, name = "test"): LoadedSnapshot {
  return inMemorySnapshot(
    {
      apiVersion: "chataudit/v1",
      kind: "Snapshot",
      ...fragment,
      metadata: { name, platform: "generic", collectedAt: "2026-06-01T00:00:00Z", ...(fragment.metadata ?? {}) },
    } as Snapshot,
    `${name}.yaml`,
  );
}

export const AS_OF = Date.parse("2026-06-01T00:00:00Z");
