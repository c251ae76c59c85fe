// The tool's own version and the bundled policy pack's, for reports.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { LoadedPolicy } from "./policy/types.js";
import { byCodeUnits } from "./order.js";
import { PACKAGE_ROOT } from "./paths.js";

export const TOOL_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;

/** The tool version plus a short hash of the policies that ran: two reports with the same pack version ran the same checks. */
export function policyPackVersion(policies: readonly LoadedPolicy[]): string {
  // node:crypto is required here, not imported: `--version` and `diff` load this module and would pay ~6 ms for it.
  const { createHash } = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
  const hash = createHash("sha256");
  for (const p of [...policies].sort((a, b) => byCodeUnits(a.policy.id, b.policy.id))) {
    hash.update(JSON.stringify(p.policy));
  }
  return `${TOOL_VERSION}+${hash.digest("hex").slice(0, 8)}`;
}
