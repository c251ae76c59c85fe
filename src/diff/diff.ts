// What changed between two JSON reports, by fingerprint: new, fixed and unchanged findings, for a security review.

import pc from "picocolors";
import type { Finding, ScanReport } from "../engine/types.js";
import { InputError } from "../errors.js";
import { gateFindings, type FailOn } from "../gate/gate.js";
import { SEVERITIES, type Severity } from "../policy/types.js";
import { formatLocation, markdownCode, markdownText, plural, terminalText } from "../reports/escape.js";
import { SEVERITY, SEVERITIES_DESC } from "../reports/severity.js";
import { locateJsonPaths } from "../source/json-locate.js";
import { parseJson } from "../source/json.js";
import { LineIndex, readSourceText } from "../source/text.js";
import { TOOL_VERSION } from "../version.js";

/** The parts of a JSON report a diff reads. */
export interface DiffableReport {
  path: string;
  report: Pick<ScanReport, "asOf" | "findings"> & { tool: { version: string }; summary?: { exitCode?: number } };
}

export interface DiffSide {
  path: string;
  asOf: string;
  toolVersion: string;
  /** The exit code that run had; 2 means it could not be trusted. */
  exitCode?: number;
}

export interface ReportDiff {
  before: DiffSide;
  after: DiffSide;
  failOn: FailOn;
  findings: {
    /** In the new report only. */
    new: Finding[];
    /** In the old report only (as they were then). */
    fixed: Finding[];
    /** In both (as they are now). */
    unchanged: Finding[];
  };
  /** New failing findings at or above failOn: what makes `chataudit diff` exit 1. */
  gateFindings: number;
}

function side(r: DiffableReport): DiffSide {
  return { path: r.path, asOf: r.report.asOf, toolVersion: r.report.tool.version, ...(r.report.summary?.exitCode !== undefined ? { exitCode: r.report.summary.exitCode } : {}) };
}

function byPriority(a: Finding, b: Finding): number {
  return SEVERITY[b.severity].rank - SEVERITY[a.severity].rank || a.policyId.localeCompare(b.policyId) || a.snapshot.localeCompare(b.snapshot) || a.subject.localeCompare(b.subject);
}

/** Compare two reports by fingerprint (policy id + snapshot + subject), so moved lines and renamed files do not count as changes. */
export function diffReports(before: DiffableReport, after: DiffableReport, failOn: FailOn = "high"): ReportDiff {
  const old = new Map(before.report.findings.map((f) => [f.fingerprint, f]));
  const now = new Map(after.report.findings.map((f) => [f.fingerprint, f]));
  const added = [...now.values()].filter((f) => !old.has(f.fingerprint)).sort(byPriority);
  const fixed = [...old.values()].filter((f) => !now.has(f.fingerprint)).sort(byPriority);
  const unchanged = [...now.values()].filter((f) => old.has(f.fingerprint)).sort(byPriority);
  return {
    before: side(before),
    after: side(after),
    failOn,
    findings: { new: added, fixed, unchanged },
    gateFindings: gateFindings(added, failOn).length,
  };
}

/** Read a JSON report written by `chataudit scan --format json`; anything else is an InputError at its line. */
export async function loadReport(file: string): Promise<DiffableReport> {
  const source = await readSourceText(file, file);
  const value = parseJson(source.text, file);
  const at = (path: string[]) => ({ file, ...new LineIndex(source.text).position(locateJsonPaths(source.text, [path]).get(path.join(".")) ?? 0) });
  const report = value as Record<string, unknown>;
  const tool = report?.tool as { name?: unknown; version?: unknown } | undefined;
  if (typeof report !== "object" || report === null || Array.isArray(report) || tool?.name !== "chataudit") {
    throw new InputError("not a chataudit JSON report (expected `tool.name: chataudit`; write one with --format json)", at(["tool"]));
  }
  if (typeof report.asOf !== "string") throw new InputError("`asOf` must be a date-time string", at(["asOf"]));
  if (!Array.isArray(report.findings)) throw new InputError("`findings` must be a list of findings", at(["findings"]));
  report.findings.forEach((f: unknown, i: number) => {
    const problem = findingProblem(f);
    if (problem) throw new InputError(`\`findings.${i}\` ${problem}`, at(["findings", String(i)]));
  });
  return { path: file, report: { ...(report as unknown as DiffableReport["report"]), tool: { version: String(tool.version ?? "") } } };
}

function findingProblem(f: unknown): string | undefined {
  if (typeof f !== "object" || f === null || Array.isArray(f)) return "must be a finding object";
  const r = f as Record<string, unknown>;
  for (const key of ["fingerprint", "policyId", "title", "snapshot", "subject", "message"]) {
    if (typeof r[key] !== "string") return `is missing \`${key}\` (a string)`;
  }
  if (!SEVERITIES.includes(r.severity as Severity)) return `has \`severity\` ${JSON.stringify(r.severity)}, expected one of ${SEVERITIES.join(", ")}`;
  if (r.status !== "fail" && r.status !== "waived") return `has \`status\` ${JSON.stringify(r.status)}, expected fail or waived`;
  const loc = r.location as Record<string, unknown> | undefined;
  if (typeof loc?.path !== "string" || typeof loc.line !== "number") return "is missing `location` {path, line, column}";
  return undefined;
}


function untrustedNote(d: ReportDiff): string[] {
  return [d.before, d.after]
    .filter((s) => s.exitCode === 2)
    .map((s) => `${s.path}: that run could not be trusted (exit 2: an input or policy failed); its findings may be incomplete`);
}

function verdict(d: ReportDiff): string {
  return d.gateFindings > 0
    ? `${plural(d.gateFindings, "new finding")} at or above ${d.failOn}`
    : `no new finding at or above ${d.failOn === "none" ? "the threshold (--fail-on none)" : d.failOn}`;
}

/** Snapshot values reach the terminal here: control characters (escape sequences) are dropped. */
export function renderDiffConsole(d: ReportDiff, options: { color: boolean }): string {
  const c = pc.createColors(options.color);
  const out: string[] = [];
  out.push(c.bold("chataudit diff") + c.dim(terminalText(` · ${d.before.path} (${d.before.asOf}) → ${d.after.path} (${d.after.asOf})`)));
  out.push("");
  const section = (title: string, findings: Finding[], mark: string, paint: (s: string) => string) => {
    if (!findings.length) return;
    out.push(c.bold(`${title} (${findings.length})`));
    for (const f of findings) {
      const status = f.status === "waived" ? c.dim(" [waived]") : "";
      out.push(`  ${paint(mark)} ${SEVERITY[f.severity].label.padEnd(8)} ${terminalText(`${f.policyId} ${f.snapshot} ${f.subject}`)}${status}`);
      out.push(`             ${c.dim(terminalText(f.message))}`);
    }
    out.push("");
  };
  section("New", d.findings.new, "+", c.red);
  section("Fixed", d.findings.fixed, "-", c.green);
  out.push(`${c.bold("Unchanged")} ${d.findings.unchanged.length}`);
  for (const note of untrustedNote(d)) out.push(c.yellow(`warning: ${terminalText(note)}`));
  out.push(`${plural(d.findings.new.length, "new finding")}, ${d.findings.fixed.length} fixed, ${d.findings.unchanged.length} unchanged`);
  out.push(d.gateFindings > 0 ? c.red(`✗ ${verdict(d)}`) : c.green(`✓ ${verdict(d)}`));
  return `${out.join("\n")}\n`;
}

function table(findings: Finding[]): string[] {
  const rows = ["| Severity | Policy | Snapshot | Subject | Status | Finding | Location |", "|---|---|---|---|---|---|---|"];
  for (const f of findings) {
    rows.push(
      `| ${f.severity} | ${markdownText(`${f.policyId} ${f.title}`)} | ${markdownCode(f.snapshot)} | ${markdownCode(f.subject)} | ${f.status} | ${markdownText(f.message)} | ${markdownCode(formatLocation(f.location))} |`,
    );
  }
  return rows;
}

export function renderDiffMarkdown(d: ReportDiff): string {
  const out: string[] = [];
  out.push("## chataudit diff", "");
  out.push(`From ${markdownCode(d.before.path)} (as of ${markdownText(d.before.asOf)}) to ${markdownCode(d.after.path)} (as of ${markdownText(d.after.asOf)}).`, "");
  out.push("| New | Fixed | Unchanged |", "|---:|---:|---:|", `| ${d.findings.new.length} | ${d.findings.fixed.length} | ${d.findings.unchanged.length} |`, "");
  const bySeverity = SEVERITIES_DESC.map((s) => [s, d.findings.new.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  if (bySeverity.length) out.push(`New by severity: ${bySeverity.map(([s, n]) => `${n} ${s}`).join(", ")}.`, "");
  for (const note of untrustedNote(d)) out.push(`> **Warning:** ${markdownText(note)}`, "");
  out.push(`**${d.gateFindings > 0 ? "✗" : "✓"} ${verdict(d)}.**`, "");
  if (d.findings.new.length) out.push("### New findings", "", ...table(d.findings.new), "");
  if (d.findings.fixed.length) out.push("### Fixed findings", "", ...table(d.findings.fixed), "");
  if (d.findings.unchanged.length) {
    out.push(`<details><summary>Unchanged findings (${d.findings.unchanged.length})</summary>`, "", ...table(d.findings.unchanged), "", "</details>", "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

export function renderDiffJson(d: ReportDiff): string {
  const counts = { new: d.findings.new.length, fixed: d.findings.fixed.length, unchanged: d.findings.unchanged.length };
  const exitCode = d.gateFindings > 0 ? 1 : 0;
  return `${JSON.stringify({ tool: { name: "chataudit", version: TOOL_VERSION }, before: d.before, after: d.after, summary: { ...counts, failOn: d.failOn, gateFindings: d.gateFindings, exitCode }, findings: d.findings }, null, 2)}\n`;
}
