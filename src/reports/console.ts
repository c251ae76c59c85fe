// The console summary: what a person at a terminal reads first. Coloured on a TTY, plain when piped or NO_COLOR.

import pc from "picocolors";
import type { Finding, ScanReport } from "../engine/types.js";
import type { Severity } from "../policy/types.js";
import { plural, terminalText as t } from "./escape.js";
import { SEVERITY, SEVERITIES_DESC } from "./severity.js";

export interface ConsoleOptions {
  color: boolean;
  /** Findings listed before "... and N more" (default 50). */
  maxFindings?: number;
}

type Paint = (s: string) => string;

function painter(color: boolean) {
  const c = pc.createColors(color);
  const sev: Record<Severity, Paint> = {
    critical: (s) => c.bold(c.magenta(s)),
    high: (s) => c.bold(c.red(s)),
    medium: c.yellow,
    low: c.cyan,
    info: c.gray,
  };
  return { c, sev };
}


export function renderConsole(report: ScanReport, options: ConsoleOptions): string {
  const { c, sev } = painter(options.color);
  const out: string[] = [];
  const s = report.summary;
  const max = options.maxFindings ?? 50;

  out.push(c.bold(`chataudit ${report.tool.version}`) + c.dim(` · policy pack ${report.tool.policyPackVersion} · as of ${report.asOf}`));
  out.push(
    `Scanned ${plural(s.snapshots, "snapshot")} from ${plural(s.inputs, "input")} against ${plural(s.policies, "policy")}` +
      (s.inputErrors ? c.red(` · ${plural(s.inputErrors, "input")} could not be read`) : ""),
  );
  for (const input of report.inputs.filter((i) => i.status === "error")) {
    const e = input.error!;
    const pos = e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : "";
    out.push(c.red(`  ✗ ${t(input.path)}${pos}: ${t(e.message)}`));
  }
  out.push("");

  const failing = report.findings.filter((f) => f.status === "fail");
  if (failing.length > 0) {
    out.push(c.bold("Findings"));
    const sorted = [...failing].sort(
      (a, b) => SEVERITY[b.severity].rank - SEVERITY[a.severity].rank || a.policyId.localeCompare(b.policyId),
    );
    for (const f of sorted.slice(0, max)) out.push(formatFinding(f, sev, c.dim));
    if (sorted.length > max) out.push(c.dim(`  … and ${sorted.length - max} more (see the report files)`));
    out.push("");
  }

  const waived = report.findings.filter((f) => f.status === "waived");
  if (waived.length > 0) {
    out.push(c.bold(`Waived (${waived.length})`));
    for (const f of waived.slice(0, max)) {
      out.push(`  ${c.dim("~")} ${t(f.policyId)} ${t(f.subject)} — ${t(f.waiver?.owner ?? "?")} until ${t(f.waiver?.expires ?? "?")}: ${t(f.waiver?.reason ?? "")}`);
    }
    out.push("");
  }

  for (const w of report.warnings) out.push(c.yellow(`warning: ${t(w)}`));
  if (report.warnings.length) out.push("");

  const r = s.results;
  out.push(
    c.bold("Results ") +
      [
        c.green(`${r.pass} passed`),
        (r.fail ? c.red : c.dim)(`${r.fail} failed`),
        c.dim(`${r.waived} waived`),
        c.dim(`${r["not-evaluated"]} not evaluated`),
        ...(r.error ? [c.red(`${r.error} errors`)] : []),
      ].join(", "),
  );
  const bySev = SEVERITIES_DESC.filter((x) => s.findings.bySeverity[x] > 0).map((x) => sev[x](`${s.findings.bySeverity[x]} ${x}`));
  out.push(c.bold("Findings ") + (bySev.length ? bySev.join(", ") : c.green("none")) + (s.findings.waived ? c.dim(` (+${s.findings.waived} waived)`) : ""));
  if (s.findings.new !== undefined) {
    out.push(c.bold("Baseline ") + `${s.findings.new} new, ${s.findings.fixed ?? 0} fixed since the baseline`);
  }
  const verdict =
    s.exitCode === 2
      ? c.red("✗ the run could not be trusted (see errors above)")
      : s.exitCode === 1
        ? c.red(`✗ ${plural(s.gateFindings, "finding")} at or above ${s.failOn}`)
        : c.green(`✓ nothing at or above ${s.failOn === "none" ? "the threshold (--fail-on none)" : s.failOn}`);
  out.push(verdict);
  return `${out.join("\n")}\n`;
}

function formatFinding(f: Finding, sev: Record<Severity, Paint>, dim: Paint): string {
  const label = sev[f.severity](SEVERITY[f.severity].label.padEnd(8));
  const loc = `${t(f.location.path)}:${f.location.line}:${f.location.column}`;
  const base = f.baselineState === "unchanged" ? dim(" (in baseline)") : "";
  return `  ${label} ${t(f.policyId)} ${t(f.message)}${base}\n           ${dim(`${loc} · ${t(f.snapshot)} · ${t(f.subject)}`)}`;
}
