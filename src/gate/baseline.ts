// Baselines: the fingerprints of one run's findings, so a later run fails only on what is new.

import { readCheckedDocument } from "../config/config.js";
import type { ScanReport } from "../engine/types.js";
import { byCodeUnits } from "../order.js";
import type { Severity } from "../policy/types.js";

export interface BaselineEntry {
  fingerprint: string;
  policyId: string;
  snapshot: string;
  subject: string;
  severity: Severity;
}

export interface Baseline {
  version: 1;
  tool: { name: "chataudit"; version: string };
  /** The evaluation clock of the run that wrote it. */
  createdAt: string;
  fingerprints: BaselineEntry[];
}

/** Read a baseline file written by --write-baseline. Throws InvalidDocument, with positions. */
export async function loadBaseline(file: string): Promise<Baseline> {
  const doc = await readCheckedDocument(file, { schema: "baseline", noun: "baseline file", maxBytes: 64 * 1024 * 1024 });
  return doc.value as Baseline;
}

/** The baseline of a report: every finding present now, failing or waived, in a stable order. */
export function buildBaseline(report: ScanReport): Baseline {
  const seen = new Set<string>();
  const fingerprints: BaselineEntry[] = [];
  for (const f of report.findings) {
    if (seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    fingerprints.push({ fingerprint: f.fingerprint, policyId: f.policyId, snapshot: f.snapshot, subject: f.subject, severity: f.severity });
  }
  fingerprints.sort((a, b) => byCodeUnits(a.policyId, b.policyId) || byCodeUnits(a.snapshot, b.snapshot) || byCodeUnits(a.subject, b.subject));
  return { version: 1, tool: { name: "chataudit", version: report.tool.version }, createdAt: report.asOf, fingerprints };
}

export function renderBaseline(baseline: Baseline): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}
