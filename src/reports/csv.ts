// The CSV report (chataudit.csv): one row per finding for spreadsheets, RFC 4180 with formula injection neutralised.

import type { Finding, ScanReport } from "../engine/types.js";
import { csvRecord, formatFrameworks, formatLocation } from "./escape.js";

/** Column order is part of the contract: spreadsheets and scripts address columns by position. */
export const CSV_COLUMNS = [
  "policyId", "title", "severity", "category", "status", "snapshot", "subject", "message", "location",
  "fingerprint", "frameworks", "waiverOwner", "waiverExpires", "waiverReason", "baselineState",
] as const;

type Column = (typeof CSV_COLUMNS)[number];

function cellsOf(f: Finding): Record<Column, string> {
  return {
    policyId: f.policyId,
    title: f.title,
    severity: f.severity,
    category: f.category,
    status: f.status,
    snapshot: f.snapshot,
    subject: f.subject,
    message: f.message,
    location: formatLocation(f.location),
    fingerprint: f.fingerprint,
    frameworks: formatFrameworks(f.frameworks),
    waiverOwner: f.waiver?.owner ?? "",
    waiverExpires: f.waiver?.expires ?? "",
    waiverReason: f.waiver?.reason ?? "",
    baselineState: f.baselineState ?? "",
  };
}

export function renderCsv(report: ScanReport): string {
  const rows = report.findings.map((f) => {
    const cells = cellsOf(f);
    return csvRecord(CSV_COLUMNS.map((c) => cells[c]));
  });
  return csvRecord(CSV_COLUMNS) + rows.join("");
}
