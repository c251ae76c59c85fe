// Results, findings and the canonical JSON report every output format is derived from.

import type { Category, Framework, ParamValue, Severity } from "../policy/types.js";
import type { SourceLocation } from "../snapshot/types.js";

export type ResultStatus = "pass" | "fail" | "not-evaluated" | "error" | "waived";

/** One policy applied to one snapshot. Every pair appears, passing ones too. */
export interface Result {
  policyId: string;
  title: string;
  category: Category;
  severity: Severity;
  snapshot: string;
  /** Input file the snapshot came from. */
  input: string;
  status: ResultStatus;
  /** Subjects the policy judged (after `where`). */
  evaluated: number;
  /** Subjects that failed, waived ones included. */
  failed: number;
  /** Of the failed ones, how many are waived. */
  waived: number;
  /** Why the result is not-evaluated or error; for pass/fail, subjects that could not be judged. */
  reason?: string;
}

export interface Waiver {
  policy: string;
  snapshot?: string;
  subject?: string;
  reason: string;
  owner: string;
  expires: string;
  /** Where the waiver is written. */
  location?: SourceLocation;
}

/** One failing subject. */
export interface Finding {
  policyId: string;
  title: string;
  category: Category;
  severity: Severity;
  status: "fail" | "waived";
  snapshot: string;
  /** "<select>/<key>" for a per-item policy ("users/u-42"), "snapshot" otherwise. */
  subject: string;
  message: string;
  evidence: { expected: unknown; actual: Record<string, unknown> };
  location: SourceLocation;
  /** sha256 of policy id + snapshot name + subject: survives moved lines and renamed files. */
  fingerprint: string;
  frameworks: Partial<Record<Framework, string[]>>;
  waiver?: Omit<Waiver, "policy" | "snapshot" | "subject" | "location">;
  baselineState?: "new" | "unchanged";
}

export interface InputRecord {
  path: string;
  sha256: string;
  platform: string;
  /** Snapshot name (metadata.name); absent when the input failed to load. */
  snapshot?: string;
  collectedAt?: string;
  /** The native file the snapshot was imported from, when it was. */
  source?: string;
  status: "ok" | "error";
  error?: { message: string; line?: number; column?: number };
}

/** The part of a policy reports need to explain a finding (SARIF rules, HTML, Markdown). */
export interface PolicySummary {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  description: string;
  rationale: string;
  remediation: string;
  references: string[];
  frameworks: Partial<Record<Framework, string[]>>;
  tags: string[];
  params: Record<string, ParamValue>;
  /** Policy file relative to the package or the user's folder. */
  source: string;
}

export type SeverityCounts = Record<Severity, number>;

export interface Summary {
  inputs: number;
  inputErrors: number;
  snapshots: number;
  policies: number;
  results: Record<ResultStatus, number>;
  findings: {
    total: number;
    failing: number;
    waived: number;
    bySeverity: SeverityCounts;
    /** With a baseline: findings not in it, and baseline findings no longer present. */
    new?: number;
    fixed?: number;
  };
  failOn: Severity | "none";
  /** Failing findings at or above failOn that are not waived (and new, with a baseline). */
  gateFindings: number;
  exitCode: 0 | 1 | 2;
}

export interface ScanReport {
  tool: {
    name: "chataudit";
    version: string;
    policyPackVersion: string;
    releaseCatalogue?: { date: string; source: string };
  };
  asOf: string;
  inputs: InputRecord[];
  summary: Summary;
  results: Result[];
  findings: Finding[];
  /** Every policy that ran, for reports that explain findings (SARIF rules, HTML, Markdown). */
  policies: PolicySummary[];
  /** Run-level warnings: expired, expiring and stale waivers; an old release catalogue. */
  warnings: string[];
  waivers?: (Waiver & { state: "active" | "expired" | "stale"; matched: number })[];
}
