// One table for everything a severity maps to: SARIF level and security-severity, console colour, order.

import type { Severity } from "../policy/types.js";

export interface SeverityStyle {
  rank: number;
  sarifLevel: "note" | "warning" | "error";
  /** GitHub code scanning's numeric score, as a string: critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9. */
  securitySeverity: string;
  colour: "red" | "magenta" | "yellow" | "cyan" | "gray";
  label: string;
}

export const SEVERITY: Record<Severity, SeverityStyle> = {
  critical: { rank: 4, sarifLevel: "error", securitySeverity: "9.5", colour: "magenta", label: "CRITICAL" },
  high: { rank: 3, sarifLevel: "error", securitySeverity: "8.0", colour: "red", label: "HIGH" },
  medium: { rank: 2, sarifLevel: "warning", securitySeverity: "5.5", colour: "yellow", label: "MEDIUM" },
  low: { rank: 1, sarifLevel: "note", securitySeverity: "3.0", colour: "cyan", label: "LOW" },
  info: { rank: 0, sarifLevel: "note", securitySeverity: "0.0", colour: "gray", label: "INFO" },
};

/** Severities from the most to the least severe. */
export const SEVERITIES_DESC: Severity[] = ["critical", "high", "medium", "low", "info"];

export function atOrAbove(severity: Severity, threshold: Severity | "none"): boolean {
  return threshold !== "none" && SEVERITY[severity].rank >= SEVERITY[threshold].rank;
}
