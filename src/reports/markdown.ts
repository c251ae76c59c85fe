// The Markdown summary (chataudit.md) for a pull-request comment or a CI job summary: one line when all is well.

import type { Finding, ScanReport } from "../engine/types.js";
import { formatLocation, markdownCode, markdownText, plural } from "./escape.js";
import { SEVERITY, SEVERITIES_DESC } from "./severity.js";

export interface MarkdownOptions {
  /** Failing findings listed before "… and N more" (GitHub comments stop at 65,536 characters). */
  maxFindings?: number;
}

export function renderMarkdown(report: ScanReport, options: MarkdownOptions = {}): string {
  const max = options.maxFindings ?? 25;
  const s = report.summary;
  const failing = SEVERITIES_DESC.flatMap((sev) => report.findings.filter((f) => f.status === "fail" && f.severity === sev));
  const waived = report.findings.filter((f) => f.status === "waived");
  const counts = countsLine(report);

  const allWell = failing.length === 0 && s.exitCode === 0 && report.warnings.length === 0;
  if (allWell) return `✅ **chataudit**: no failing findings. ${counts}\n`;

  const out: string[] = [`### ${headline(report, failing)}`, "", counts, ""];

  if (failing.length > 0) {
    out.push("| Severity | Policy | Snapshot | Subject | Finding | Location |", "|---|---|---|---|---|---|");
    for (const f of failing.slice(0, max)) out.push(findingRow(f));
    if (failing.length > max) out.push("", `_… and ${failing.length - max} more failing findings: see the HTML or SARIF report._`);
    out.push("");
  }

  const unreadable = report.inputs.filter((i) => i.status === "error");
  if (unreadable.length > 0) {
    out.push(`**Inputs that could not be read (${unreadable.length})**`, "");
    for (const i of unreadable) {
      const e = i.error;
      const where = e?.line ? `${i.path}:${e.line}${e.column ? `:${e.column}` : ""}` : i.path;
      out.push(`- ${markdownCode(where)}: ${markdownText(e?.message ?? "could not be loaded")}`);
    }
    out.push("");
  }

  const errored = report.results.filter((r) => r.status === "error");
  if (errored.length > 0) {
    out.push(`**Policies that could not be evaluated (${errored.length})**`, "");
    for (const r of errored) out.push(`- ${markdownCode(r.policyId)} on ${markdownCode(r.snapshot)}: ${markdownText(r.reason ?? "evaluation error")}`);
    out.push("");
  }

  if (waived.length > 0) {
    out.push(`**Waived (${waived.length})**`, "", "| Policy | Snapshot | Subject | Owner | Expires | Reason |", "|---|---|---|---|---|---|");
    for (const f of waived.slice(0, max)) {
      const w = f.waiver;
      out.push(
        `| ${markdownCode(f.policyId)} | ${markdownCode(f.snapshot)} | ${markdownCode(f.subject)} | ${markdownText(w?.owner ?? "")} | ${markdownText(w?.expires ?? "")} | ${markdownText(w?.reason ?? "")} |`,
      );
    }
    if (waived.length > max) out.push("", `_… and ${waived.length - max} more waived findings._`);
    out.push("");
  }

  if (s.results["not-evaluated"] > 0) {
    out.push(`**Not evaluated:** ${s.results["not-evaluated"]} policy results lack the evidence they need (listed in the HTML report).`, "");
  }

  if (report.warnings.length > 0) {
    out.push("**Warnings**", "");
    for (const w of report.warnings) out.push(`- ${markdownText(w)}`);
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function headline(report: ScanReport, failing: Finding[]): string {
  const s = report.summary;
  const bySeverity = SEVERITIES_DESC.filter((sev) => s.findings.bySeverity[sev] > 0).map((sev) => `${s.findings.bySeverity[sev]} ${sev}`);
  const found = failing.length > 0 ? `${plural(failing.length, "failing finding")} (${bySeverity.join(", ")})` : "no failing findings";
  if (s.exitCode === 2) return `⛔ chataudit: the run could not be trusted; ${found}`;
  if (s.exitCode === 1) return `❌ chataudit: ${plural(s.gateFindings, "finding")} at or above ${s.failOn}; ${found}`;
  return failing.length > 0 ? `⚠️ chataudit: ${found}, none at or above ${s.failOn === "none" ? "the gate (--fail-on none)" : s.failOn}` : "✅ chataudit: no failing findings";
}

function countsLine(report: ScanReport): string {
  const s = report.summary;
  const r = s.results;
  const parts = [
    `${plural(s.snapshots, "snapshot")} × ${plural(s.policies, "policy")}`,
    `${r.pass} passed`,
    `${r.fail} failed`,
    `${r.waived} waived`,
    `${r["not-evaluated"]} not evaluated`,
    ...(r.error ? [plural(r.error, "error")] : []),
    ...(s.inputErrors ? [`${plural(s.inputErrors, "unreadable input")}`] : []),
    ...(s.findings.new !== undefined ? [`${s.findings.new} new, ${s.findings.fixed ?? 0} fixed since the baseline`] : []),
  ];
  return `${parts.join(" · ")} · as of ${markdownText(report.asOf)} · chataudit ${markdownText(report.tool.version)}`;
}

function findingRow(f: Finding): string {
  const policy = `${markdownCode(f.policyId)} ${markdownText(f.title)}`;
  const baseline = f.baselineState === "new" ? " _(new)_" : "";
  return `| ${SEVERITY[f.severity].label} | ${policy} | ${markdownCode(f.snapshot)} | ${markdownCode(f.subject)} | ${markdownText(f.message)}${baseline} | ${markdownCode(formatLocation(f.location))} |`;
}

