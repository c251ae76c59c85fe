// The SARIF 2.1.0 report (chataudit.sarif), shaped for GitHub code scanning: one run, a rule per policy, a located result per finding.

import { createHash } from "node:crypto";
import type * as Sarif from "sarif";
import type { Finding, PolicySummary, ScanReport } from "../engine/types.js";
import { FRAMEWORKS } from "../policy/types.js";
import type { SourceLocation } from "../snapshot/types.js";
import { formatFrameworks } from "./escape.js";
import { SEVERITY } from "./severity.js";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
/** Where a person reading a SARIF viewer learns what chataudit is. */
export const CHATAUDIT_INFORMATION_URI = "https://www.npmjs.com/package/chataudit";
/** Key of the fingerprint in partialFingerprints; versioned so a future scheme does not collide. */
export const FINGERPRINT_KEY = "chataudit/v1";
/** Relative locations are relative to the scan root, which the uploader knows as the checkout. */
const SRCROOT = "%SRCROOT%";

export function renderSarif(report: ScanReport): string {
  return `${JSON.stringify(buildSarifLog(report), null, 2)}\n`;
}

/** The SARIF log as an object, for callers (and tests) that inspect it. */
export function buildSarifLog(report: ScanReport): Sarif.Log {
  const policies = rulePolicies(report);
  const ruleIndex = new Map(policies.map((p, i) => [p.id, i]));
  const artifacts = new ArtifactTable(report);

  const results: Sarif.Result[] = report.findings.map((f) => toResult(f, ruleIndex.get(f.policyId)!, artifacts));

  const run: Sarif.Run = {
    tool: {
      driver: {
        name: "chataudit",
        version: report.tool.version,
        semanticVersion: semanticVersion(report.tool.version),
        informationUri: CHATAUDIT_INFORMATION_URI,
        rules: policies.map(toRule),
        properties: { policyPackVersion: report.tool.policyPackVersion },
      },
    },
    automationDetails: {
      id: automationId(report),
      description: { text: `chataudit scan of ${snapshotNames(report).join(", ") || "no snapshot"} as of ${report.asOf}.` },
    },
    invocations: [toInvocation(report, ruleIndex, artifacts)],
    columnKind: "utf16CodeUnits",
    results,
    artifacts: artifacts.list(),
    properties: {
      asOf: report.asOf,
      ...(report.tool.releaseCatalogue ? { releaseCatalogue: report.tool.releaseCatalogue } : {}),
      summary: report.summary,
    },
  };
  return { $schema: SARIF_SCHEMA_URI, version: "2.1.0", runs: [run] };
}

/** Every policy that ran, plus a stand-in for any finding whose policy the report does not describe (never a result without a rule). */
function rulePolicies(report: ScanReport): PolicySummary[] {
  const known = new Set(report.policies.map((p) => p.id));
  const extra = new Map<string, PolicySummary>();
  for (const f of report.findings) {
    if (known.has(f.policyId) || extra.has(f.policyId)) continue;
    extra.set(f.policyId, {
      id: f.policyId, title: f.title, category: f.category, severity: f.severity, description: f.title,
      rationale: "", remediation: "", references: [], frameworks: f.frameworks, tags: [], params: {}, source: "",
    });
  }
  return [...report.policies, ...extra.values()];
}

function toRule(p: PolicySummary): Sarif.ReportingDescriptor {
  const style = SEVERITY[p.severity];
  const helpUri = p.references.find(isWebUrl);
  const controls = FRAMEWORKS.flatMap((fw) => (p.frameworks[fw] ?? []).map((c) => `${fw}/${c}`));
  return {
    id: p.id,
    name: pascalCase(p.title),
    shortDescription: { text: sentence(p.title) },
    fullDescription: { text: sentence([p.description, p.rationale].filter(Boolean).join(" ")) },
    help: { text: helpText(p), markdown: helpMarkdown(p) },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: style.sarifLevel },
    properties: {
      tags: unique(["security", "compliance", p.category, p.severity, ...p.tags, ...controls]),
      "security-severity": style.securitySeverity,
      precision: "very-high",
      "problem.severity": problemSeverity(style.sarifLevel),
      category: p.category,
      severity: p.severity,
      frameworks: p.frameworks,
      ...(p.source ? { policyFile: p.source } : {}),
    },
  };
}

function helpText(p: PolicySummary): string {
  const parts = [p.description];
  if (p.rationale) parts.push(`Why it matters: ${p.rationale}`);
  if (p.remediation) parts.push(`Remediation: ${p.remediation}`);
  const frameworks = formatFrameworks(p.frameworks);
  if (frameworks) parts.push(`Controls: ${frameworks}`);
  if (p.references.length) parts.push(`References:\n${p.references.map((r) => `- ${r}`).join("\n")}`);
  return parts.join("\n\n");
}

function helpMarkdown(p: PolicySummary): string {
  const parts = [`**${p.id}** · ${p.category} · ${p.severity}`, p.description];
  if (p.rationale) parts.push(`**Why it matters.** ${p.rationale}`);
  if (p.remediation) parts.push(`**Remediation.** ${p.remediation}`);
  const frameworks = formatFrameworks(p.frameworks);
  if (frameworks) parts.push(`**Controls.** ${frameworks}`);
  const params = Object.entries(p.params);
  if (params.length) parts.push(`**Parameters.** ${params.map(([k, v]) => `\`${k}\` = \`${JSON.stringify(v)}\``).join(", ")}`);
  if (p.references.length) {
    parts.push(`**References**\n\n${p.references.map((r) => (isWebUrl(r) ? `- <${r}>` : `- ${r}`)).join("\n")}`);
  }
  return parts.join("\n\n");
}

function toResult(f: Finding, ruleIndex: number, artifacts: ArtifactTable): Sarif.Result {
  const style = SEVERITY[f.severity];
  const result: Sarif.Result = {
    ruleId: f.policyId,
    ruleIndex,
    level: style.sarifLevel,
    kind: "fail",
    message: { text: `${sentence(f.message)} Snapshot: ${f.snapshot}; subject: ${f.subject}.` },
    locations: [{ physicalLocation: artifacts.physicalLocation(f.location) }],
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    properties: {
      snapshot: f.snapshot,
      subject: f.subject,
      severity: f.severity,
      category: f.category,
      evidence: f.evidence,
      frameworks: f.frameworks,
    },
  };
  if (f.baselineState) result.baselineState = f.baselineState;
  if (f.status === "waived") {
    result.suppressions = [
      {
        kind: "external",
        status: "accepted",
        justification: f.waiver?.reason ?? "waived",
        properties: { owner: f.waiver?.owner, expires: f.waiver?.expires },
      },
    ];
  }
  return result;
}

/**
 * One invocation. Inputs that could not be loaded and results that errored make the run untrustworthy
 * (exit code 2), so they are tool execution errors; not-evaluated results are notes, since the evidence a
 * policy needs is missing rather than failing.
 */
function toInvocation(report: ScanReport, ruleIndex: Map<string, number>, artifacts: ArtifactTable): Sarif.Invocation {
  const notifications: Sarif.Notification[] = [];
  for (const input of report.inputs) {
    if (input.status !== "error") continue;
    const e = input.error;
    notifications.push({
      level: "error",
      message: { text: sentence(`${input.path} could not be loaded: ${e?.message ?? "unknown error"}`) },
      locations: [{ physicalLocation: artifacts.physicalLocation({ path: input.path, line: e?.line ?? 1, column: e?.column ?? 1 }) }],
    });
  }
  for (const r of report.results) {
    if (r.status !== "error" && r.status !== "not-evaluated") continue;
    const what = r.status === "error" ? "could not be evaluated" : "was not evaluated";
    notifications.push({
      level: r.status === "error" ? "error" : "note",
      message: { text: sentence(`${r.policyId} ${what} on snapshot ${r.snapshot}: ${r.reason ?? "no reason given"}`) },
      associatedRule: { id: r.policyId, ...(ruleIndex.has(r.policyId) ? { index: ruleIndex.get(r.policyId) } : {}) },
      locations: [{ physicalLocation: artifacts.physicalLocation({ path: r.input, line: 1, column: 1 }) }],
    });
  }
  return {
    executionSuccessful: report.summary.inputErrors === 0 && report.summary.results.error === 0,
    ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
    properties: { failOn: report.summary.failOn, gateFindings: report.summary.gateFindings, exitCode: report.summary.exitCode },
  };
}

/** The files results point at, each listed once; inputs carry their sha256. */
class ArtifactTable {
  private readonly artifacts: Sarif.Artifact[] = [];
  private readonly index = new Map<string, number>();
  private readonly hashes = new Map<string, string>();

  constructor(report: ScanReport) {
    for (const input of report.inputs) if (input.sha256) this.hashes.set(input.path, input.sha256);
  }

  physicalLocation(location: SourceLocation): Sarif.PhysicalLocation {
    return {
      artifactLocation: { ...artifactUri(location.path), index: this.indexOf(location.path) },
      // SARIF lines and columns are 1-based; a 0 or a missing one is rejected by code scanning.
      region: { startLine: positive(location.line), startColumn: positive(location.column) },
    };
  }

  list(): Sarif.Artifact[] {
    return this.artifacts;
  }

  private indexOf(path: string): number {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.artifacts.length;
      this.index.set(path, i);
      const sha256 = this.hashes.get(path);
      // Every file a location points at was read to build a snapshot: an analysis target.
      this.artifacts.push({ location: artifactUri(path), roles: ["analysisTarget"], ...(sha256 ? { hashes: { "sha-256": sha256 } } : {}) });
    }
    return i;
  }
}

/** A relative path becomes a URI under %SRCROOT%; a path outside the scan root an absolute file: URI. */
function artifactUri(path: string): Sarif.ArtifactLocation {
  const slashed = path.replace(/\\/g, "/");
  const encode = (p: string) => p.split("/").map(encodeURIComponent).join("/");
  if (/^[A-Za-z]:\//.test(slashed)) return { uri: `file:///${slashed.slice(0, 2)}${encode(slashed.slice(2))}` };
  if (slashed.startsWith("/")) return { uri: `file://${encode(slashed)}` };
  return { uri: encode(slashed.replace(/^\.\//, "")), uriBaseId: SRCROOT };
}

/**
 * "chataudit/<snapshots>/": GitHub takes everything before the last slash as the analysis category, so
 * scans of different snapshot sets are kept side by side and a rescan of the same set replaces the last.
 */
function automationId(report: ScanReport): string {
  const names = [...new Set(snapshotNames(report))].sort();
  if (names.length === 0) return "chataudit/no-snapshot/";
  const joined = names.map((n) => n.replace(/[^A-Za-z0-9._-]+/g, "-")).join("+");
  const stable = joined.length <= 80 ? joined : createHash("sha256").update(names.join("\u0000")).digest("hex").slice(0, 16);
  return `chataudit/${stable}/`;
}

function snapshotNames(report: ScanReport): string[] {
  return report.inputs.flatMap((i) => (i.status === "ok" && i.snapshot !== undefined ? [i.snapshot] : []));
}

function positive(n: number | undefined): number {
  return typeof n === "number" && Number.isFinite(n) && n >= 1 ? Math.trunc(n) : 1;
}

/** Text ending in a full stop, as SARIF viewers expect of messages. */
function sentence(text: string): string {
  const t = text.trim();
  return t === "" || /[.!?]$/.test(t) ? t : `${t}.`;
}

/** SARIF's "friendly name": one Pascal-case identifier ("Departed employees have no account" -> "DepartedEmployeesHaveNoAccount"). */
function pascalCase(title: string): string {
  const name = title
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
  return /^[A-Za-z]/.test(name) ? name : `Policy${name}`;
}

/** "0.1.0" stays, "0.1.0-rc.1+abc" stays; anything else is not claimed as a semantic version. */
function semanticVersion(version: string): string | undefined {
  return /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(version) ? version : undefined;
}

function problemSeverity(level: "note" | "warning" | "error"): string {
  return level === "note" ? "recommendation" : level;
}

function isWebUrl(value: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(value);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
