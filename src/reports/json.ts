// The canonical JSON report: every other format can be derived from it. Deterministic for the same inputs and --as-of.

import type { ScanReport } from "../engine/types.js";

export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
