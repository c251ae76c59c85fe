// The HTML report (chataudit.html): one self-contained page for an auditor, rendered with the Handlebars templates in html/.
//
// Every value from a snapshot goes through Handlebars' {{ }} escaping; triple-stash is used only for the
// package's own CSS and script. No JSON is embedded: the filters read data-* attributes the template wrote.
// A Content-Security-Policy meta allows nothing but that one style and script (by hash) and data: images,
// so the file makes no request of any kind, even if an escaping bug slipped through.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import Handlebars from "handlebars";
import { parse as parseYaml } from "yaml";
import type { Finding, PolicySummary, Result, ResultStatus, ScanReport } from "../engine/types.js";
import { PACKAGE_ROOT, DATA_DIR } from "../paths.js";
import { CATEGORIES, FRAMEWORKS, type Framework, type Severity } from "../policy/types.js";
import { formatLocation, stripControlChars } from "./escape.js";
import { SEVERITY, SEVERITIES_DESC } from "./severity.js";

/** Templates, stylesheet and script live in src/reports/html/ (the build copies only .ts; the package ships that folder). */
export const HTML_TEMPLATE_DIR = join(PACKAGE_ROOT, "src", "reports", "html");

const STATUSES: ResultStatus[] = ["fail", "error", "not-evaluated", "waived", "pass"];
const STATUS_LABEL: Record<ResultStatus, string> = {
  fail: "Fail", error: "Error", "not-evaluated": "Not evaluated", waived: "Waived", pass: "Pass",
};
/** The summary's counters of policy results (one result per policy and snapshot). */
const TOTAL_LABEL: Record<ResultStatus, string> = {
  fail: "Results failed", error: "Errors", "not-evaluated": "Not evaluated", waived: "Results waived", pass: "Results passed",
};
/** Worst first: what a control's status is when its policies disagree. */
const STATUS_RANK: Record<ResultStatus, number> = { fail: 4, error: 3, "not-evaluated": 2, waived: 1, pass: 0 };

interface Assets {
  template: Handlebars.TemplateDelegate;
  css: string;
  script: string;
  csp: string;
  frameworks: Record<string, { name: string; controls: Record<string, string> }>;
}

let assets: Assets | undefined;

function sha256Source(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

function loadAssets(): Assets {
  if (assets) return assets;
  const hbs = Handlebars.create();
  const files = readdirSync(HTML_TEMPLATE_DIR);
  for (const f of files.filter((x) => x.endsWith(".hbs") && x !== "report.hbs")) {
    hbs.registerPartial(basename(f, ".hbs"), readFileSync(join(HTML_TEMPLATE_DIR, f), "utf8"));
  }
  const template = hbs.compile(readFileSync(join(HTML_TEMPLATE_DIR, "report.hbs"), "utf8"), {
    strict: true,
    // Indenting a partial's lines would also indent the evidence inside its <pre>.
    preventIndent: true,
  });
  const css = readFileSync(join(HTML_TEMPLATE_DIR, "report.css"), "utf8");
  const script = readFileSync(join(HTML_TEMPLATE_DIR, "report.js"), "utf8");
  // The inline elements must not be closable from inside, or the hashes would cover the wrong text.
  if (/<\/style/i.test(css) || /<\/script/i.test(script)) throw new Error("chataudit: report.css / report.js must not contain a closing tag");
  const csp = [
    "default-src 'none'",
    `style-src ${sha256Source(css)}`,
    `script-src ${sha256Source(script)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  assets = { template, css, script, csp, frameworks: loadFrameworkNames() };
  return assets;
}

/** Framework and control names from data/frameworks.yaml; ids alone if the file is missing. */
function loadFrameworkNames(): Assets["frameworks"] {
  try {
    const doc = parseYaml(readFileSync(join(DATA_DIR, "frameworks.yaml"), "utf8")) as Record<string, { name?: string; controls?: unknown }>;
    const out: Assets["frameworks"] = {};
    for (const [id, fw] of Object.entries(doc ?? {})) {
      const controls = fw?.controls && !Array.isArray(fw.controls) && typeof fw.controls === "object" ? (fw.controls as Record<string, string>) : {};
      out[id] = { name: fw?.name ?? id, controls };
    }
    return out;
  } catch {
    return {};
  }
}

export function renderHtml(report: ScanReport): string {
  const a = loadAssets();
  const view = withoutControlChars(buildView(report, a.frameworks));
  return a.template({ ...view, css: a.css, script: a.script, csp: a.csp });
}

/** Every string of the view without C0 control characters, which HTML treats as parse errors (NUL becomes U+FFFD). */
function withoutControlChars<T>(value: T): T {
  if (typeof value === "string") return stripControlChars(value) as T;
  if (Array.isArray(value)) return value.map(withoutControlChars) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutControlChars(v)])) as T;
  }
  return value;
}

// ---- the view: everything the template shows, computed here so the template stays logic-free ----

interface StatusCell {
  status: ResultStatus | "none";
  label: string;
}

function statusCell(status: ResultStatus | undefined): StatusCell {
  return status ? { status, label: STATUS_LABEL[status] } : { status: "none", label: "—" };
}

function worst(statuses: ResultStatus[]): ResultStatus | undefined {
  return statuses.reduce<ResultStatus | undefined>((w, s) => (w === undefined || STATUS_RANK[s] > STATUS_RANK[w] ? s : w), undefined);
}

function buildView(report: ScanReport, frameworkNames: Assets["frameworks"]) {
  const s = report.summary;
  const policies = new Map(report.policies.map((p) => [p.id, p]));
  const snapshots = [...new Set(report.results.map((r) => r.snapshot))];
  const categories = CATEGORIES.filter((c) => report.results.some((r) => r.category === c) || report.findings.some((f) => f.category === c));

  return {
    title: `chataudit report — ${snapshots.length ? snapshots.join(", ") : "no snapshot"}`,
    verdict: verdict(report),
    tool: report.tool,
    releaseCatalogue: report.tool.releaseCatalogue ?? null,
    asOf: report.asOf,
    failOn: s.failOn,
    totals: [
      { label: "Snapshots", value: s.snapshots, status: "" },
      { label: "Policies", value: s.policies, status: "" },
      ...STATUSES.map((st) => ({ label: TOTAL_LABEL[st], value: s.results[st], status: st })),
      { label: "Failing findings", value: s.findings.failing, status: "" },
      { label: "Waived findings", value: s.findings.waived, status: "" },
    ],
    inputs: report.inputs.map((i) => ({
      ...i,
      snapshot: i.snapshot ?? "",
      collectedAt: i.collectedAt ?? "",
      source: i.source && i.source !== i.path ? i.source : "",
      failed: i.status === "error",
      error: i.error ? `${i.error.line ? `line ${i.error.line}${i.error.column ? `, column ${i.error.column}` : ""}: ` : ""}${i.error.message}` : "",
    })),
    bySeverity: breakdown(
      "severity",
      "Severity",
      "Results by severity",
      SEVERITIES_DESC.map((sev) => ({ key: sev, label: SEVERITY[sev].label, results: report.results.filter((r) => r.severity === sev) })),
    ),
    byCategory: breakdown(
      "category",
      "Category",
      "Results by category",
      categories.map((c) => ({ key: c, label: c, results: report.results.filter((r) => r.category === c) })),
    ),
    statuses: STATUSES.map((st) => ({ status: st, label: STATUS_LABEL[st] })),
    frameworks: complianceMatrix(report, frameworkNames),
    matrixColumns: matrixColumns(report),
    filters: {
      severities: SEVERITIES_DESC.map((sev) => ({ value: sev, label: SEVERITY[sev].label })),
      categories,
      snapshots,
      statuses: STATUSES.map((st) => ({ value: st, label: STATUS_LABEL[st] })),
    },
    findings: orderFindings(report.findings).map((f) => findingView(f, policies.get(f.policyId))),
    failingCount: s.findings.failing,
    waivedCount: s.findings.waived,
    results: orderResults(report.results).map((r) => ({
      ...r,
      severityLabel: SEVERITY[r.severity].label,
      statusLabel: STATUS_LABEL[r.status],
      // A pass over zero subjects is vacuous: say so, an auditor should not read it as evidence.
      reason: r.reason ?? (r.status === "pass" && r.evaluated === 0 ? "nothing to evaluate: no subject matched" : ""),
    })),
    waivers: waiverRows(report),
    warnings: report.warnings,
    hasWarnings: report.warnings.length > 0,
  };
}

function verdict(report: ScanReport): { tone: string; text: string } {
  const s = report.summary;
  if (s.exitCode === 2) return { tone: "error", text: "The run could not be trusted: an input could not be read or a policy could not be evaluated." };
  if (s.exitCode === 1) return { tone: "fail", text: `${s.gateFindings} failing finding${s.gateFindings === 1 ? "" : "s"} at or above ${s.failOn}.` };
  if (s.findings.failing > 0) return { tone: "warn", text: `${s.findings.failing} failing finding${s.findings.failing === 1 ? "" : "s"}, none at or above the gate (${s.failOn}).` };
  return { tone: "pass", text: "No failing findings." };
}

/** A table and a stacked-bar chart of result statuses per severity or per category. */
function breakdown(kind: string, keyHeader: string, caption: string, rows: { key: string; label: string; results: Result[] }[]) {
  const BAR = { labelWidth: 120, barWidth: 400, totalWidth: 60, rowHeight: 26, barHeight: 16 };
  const max = Math.max(1, ...rows.map((r) => r.results.length));
  const view = rows.map((row, i) => {
    const counts = STATUSES.map((st) => ({ status: st, label: STATUS_LABEL[st], count: row.results.filter((r) => r.status === st).length }));
    let x = BAR.labelWidth;
    const segments = counts
      .filter((c) => c.count > 0)
      .map((c) => {
        const width = round((c.count / max) * BAR.barWidth);
        const segment = { ...c, x: round(x), width };
        x += width;
        return segment;
      });
    const y = i * BAR.rowHeight;
    return {
      key: row.key,
      label: row.label,
      counts,
      total: row.results.length,
      segments,
      y,
      barY: y + (BAR.rowHeight - BAR.barHeight) / 2,
      textY: y + BAR.rowHeight / 2 + 5,
    };
  });
  return {
    id: `chart-${kind}`,
    caption,
    keyHeader,
    statuses: STATUSES.map((st) => ({ status: st, label: STATUS_LABEL[st] })),
    rows: view,
    width: BAR.labelWidth + BAR.barWidth + BAR.totalWidth,
    height: Math.max(1, rows.length) * BAR.rowHeight,
    barHeight: BAR.barHeight,
    totalX: BAR.labelWidth + BAR.barWidth + 8,
    labelX: BAR.labelWidth - 8,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * One matrix column per loaded input, named by its snapshot; by input rather than by name because two inputs
 * may carry the same snapshot name (the engine warns, the matrix must still not merge them).
 */
function matrixColumns(report: ScanReport): { input: string; label: string }[] {
  const inputs = report.inputs.filter((i) => i.status === "ok");
  const seen = new Set(report.results.map((r) => r.input));
  const columns = inputs.filter((i) => seen.has(i.path)).map((i) => ({ input: i.path, name: i.snapshot ?? i.path }));
  return columns.map((c) => ({
    input: c.input,
    label: columns.filter((o) => o.name === c.name).length > 1 ? `${c.name} (${c.input})` : c.name,
  }));
}

/** Per framework: each control the policies cite, its policies, and each policy's status per input. */
function complianceMatrix(report: ScanReport, names: Assets["frameworks"]) {
  const columns = matrixColumns(report);
  const statusOf = new Map<string, ResultStatus>();
  for (const r of report.results) statusOf.set(`${r.policyId}\u0000${r.input}`, r.status);
  return FRAMEWORKS.map((fw: Framework) => {
    const controls = new Map<string, PolicySummary[]>();
    for (const p of report.policies) for (const c of p.frameworks[fw] ?? []) controls.set(c, [...(controls.get(c) ?? []), p]);
    const rows = [...controls.entries()]
      .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
      .map(([control, ps]) => {
        const policyRows = ps.map((p) => {
          const cells = columns.map((c) => statusCell(statusOf.get(`${p.id}\u0000${c.input}`)));
          return { id: p.id, title: p.title, cells };
        });
        const all = policyRows.flatMap((pr) => pr.cells.flatMap((c) => (c.status === "none" ? [] : [c.status])));
        return {
          control,
          controlTitle: names[fw]?.controls[control] ?? "",
          overall: statusCell(worst(all)),
          policies: policyRows.map((pr, i) => ({ ...pr, first: i === 0 })),
          span: policyRows.length,
        };
      });
    return { id: fw, name: names[fw]?.name ?? fw, rows, anchor: `framework-${fw}` };
  }).filter((f) => f.rows.length > 0);
}

function findingView(f: Finding, policy: PolicySummary | undefined) {
  return {
    ...f,
    severityLabel: SEVERITY[f.severity].label,
    statusLabel: f.status === "waived" ? "Waived" : "Fail",
    waived: f.status === "waived",
    location: formatLocation(f.location),
    expected: pretty(f.evidence.expected),
    actual: pretty(f.evidence.actual),
    controls: FRAMEWORKS.filter((fw) => f.frameworks[fw]?.length).map((fw) => ({ framework: fw, controls: f.frameworks[fw]!.join(", ") })),
    waiver: f.waiver ?? null,
    baselineState: f.baselineState ?? "",
    description: policy?.description ?? "",
    rationale: policy?.rationale ?? "",
    remediation: policy?.remediation ?? "",
    references: (policy?.references ?? []).map((r) => ({ text: r, href: /^https?:\/\//i.test(r) ? r : "" })),
  };
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "undefined";
}

function severityRank(s: Severity): number {
  return SEVERITY[s].rank;
}

/** Failing before waived, then most severe first; otherwise the report's order. */
function orderFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => Number(a.status === "waived") - Number(b.status === "waived") || severityRank(b.severity) - severityRank(a.severity));
}

/** Worst status first, then most severe, then the report's order. */
function orderResults(results: readonly Result[]): Result[] {
  return [...results].sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status] || severityRank(b.severity) - severityRank(a.severity));
}

function waiverRows(report: ScanReport) {
  if (report.waivers) {
    return report.waivers.map((w) => ({
      policy: w.policy,
      snapshot: w.snapshot ?? "any",
      subject: w.subject ?? "any",
      reason: w.reason,
      owner: w.owner,
      expires: w.expires,
      state: w.state,
      matched: String(w.matched),
      where: w.location ? formatLocation(w.location) : "",
    }));
  }
  return report.findings
    .filter((f) => f.status === "waived")
    .map((f) => ({
      policy: f.policyId, snapshot: f.snapshot, subject: f.subject, reason: f.waiver?.reason ?? "", owner: f.waiver?.owner ?? "",
      expires: f.waiver?.expires ?? "", state: "active", matched: "1", where: "",
    }));
}
