// Types of scripts/gen-policy-docs.js for the TypeScript tests that import it.

import type { Policy } from "../src/policy/types.js";

export interface PolicyFile {
  /** Relative to the repository, forward slashes. */
  path: string;
  policy: Policy;
}

export const README_START: string;
export const README_END: string;
export const CATEGORY_HEADINGS: Record<string, [string, string]>;
export function readPolicies(root?: string): PolicyFile[];
export function renderPolicyDocs(policies: PolicyFile[]): string;
export function renderReadmeBlock(policies: PolicyFile[]): string;
export function replaceReadmeBlock(readme: string, block: string): string;
export function expectedOutputs(root?: string): Record<"docs/policies.md" | "README.md", string>;
