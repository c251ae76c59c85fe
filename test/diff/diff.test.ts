import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffReports, loadReport, renderDiffConsole, renderDiffJson, renderDiffMarkdown, type DiffableReport } from "../../src/diff/diff.js";
import type { ScanReport } from "../../src/engine/types.js";
import { applyGate } from "../../src/gate/apply.js";
import { evaluatedReport, prodSnapshot } from "../gate/report.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-diff-"));
const as = (path: string, report: ScanReport): DiffableReport => ({ path, report });

// Before: u-1 and u-2 lack MFA, audit logging off. After: u-1 fixed, u-3 new, u-2 and audit unchanged.
const before = evaluatedReport([prodSnapshot("prod")], undefined, "2026-05-01T00:00:00Z");
const after = evaluatedReport([prodSnapshot("prod", [["u-1", true], ["u-2", false], ["u-3", false]])], undefined, "2026-06-01T00:00:00Z");
const diff = diffReports(as("old.json", before), as("new.json", after));

describe("diffing two reports", () => {
  it("sorts findings into new, fixed and unchanged by fingerprint", () => {
    expect(diff.findings.new.map((f) => f.subject)).toEqual(["users/u-3"]);
    expect(diff.findings.fixed.map((f) => f.subject)).toEqual(["users/u-1"]);
    expect(diff.findings.unchanged.map((f) => `${f.policyId} ${f.subject}`)).toEqual(["CA-ACC-101 users/u-2", "CA-AUD-102 snapshot"]);
    expect(diff.gateFindings).toBe(1);
  });

  it("does not count moved lines or renamed files as changes", () => {
    const moved: ScanReport = { ...before, findings: before.findings.map((f) => ({ ...f, location: { path: "renamed.yaml", line: f.location.line + 40, column: 1 } })) };
    const d = diffReports(as("a", before), as("b", moved));
    expect([d.findings.new.length, d.findings.fixed.length, d.findings.unchanged.length]).toEqual([0, 0, 3]);
  });

  it("gates only new failing findings at or above the threshold", () => {
    expect(diffReports(as("a", before), as("b", after), "critical").gateFindings).toBe(0);
    expect(diffReports(as("a", before), as("b", after), "none").gateFindings).toBe(0);
    const waivedNow = applyGate(after, { asOf: after.asOf, waivers: [{ policy: "CA-ACC-101", subject: "users/u-3", reason: "r", owner: "o", expires: "2027-01-01" }] });
    expect(diffReports(as("a", before), as("b", waivedNow)).gateFindings).toBe(0);
  });

  it("renders JSON with counts, the exit code it implies and every finding", () => {
    const json = JSON.parse(renderDiffJson(diff));
    expect(json.summary).toEqual({ new: 1, fixed: 1, unchanged: 2, failOn: "high", gateFindings: 1, exitCode: 1 });
    expect(json.before).toEqual({ path: "old.json", asOf: "2026-05-01T00:00:00Z", toolVersion: "0.1.0", exitCode: 1 });
    expect(json.findings.new[0].fingerprint).toBe(after.findings.find((f) => f.subject === "users/u-3")!.fingerprint);
  });

  it("renders Markdown with a table per section and unchanged findings folded", () => {
    const md = renderDiffMarkdown(diff);
    expect(md).toContain("| 1 | 1 | 2 |");
    expect(md).toContain("### New findings");
    const newSection = md.slice(md.indexOf("### New findings"), md.indexOf("### Fixed findings"));
    expect(newSection.split("\n")[4]).toBe("| high | CA-ACC-101 Inline test policy | `prod` | `users/u-3` | fail | u-3 has no MFA | `prod.yaml:1:1` |");
    expect(md).toContain("### Fixed findings");
    expect(md).toContain("<details><summary>Unchanged findings (2)</summary>");
    expect(md).toContain("**✗ 1 new finding at or above high.**");
  });

  it("keeps hostile values from breaking the Markdown table or the terminal", () => {
    const hostile: ScanReport = { ...after, findings: after.findings.map((f) => (f.subject === "users/u-3" ? { ...f, message: "a | b\n## c <img src=x> \u001b[31mred" } : f)) };
    const d = diffReports(as("a", before), as("b", hostile));
    const row = renderDiffMarkdown(d).split("\n").find((l) => l.includes("users/u-3"))!;
    expect(row).toContain("| a \\| b ## c &lt;img src=x&gt; \\[31mred |");
    expect(renderDiffConsole(d, { color: false })).not.toContain("\u001b");
  });

  it("renders the console view with what is new and fixed, and the verdict", () => {
    const text = renderDiffConsole(diff, { color: false });
    expect(text).toContain("New (1)\n  + HIGH     CA-ACC-101 prod users/u-3");
    expect(text).toContain("Fixed (1)\n  - HIGH     CA-ACC-101 prod users/u-1");
    expect(text).toContain("Unchanged 2");
    expect(text).toContain("✗ 1 new finding at or above high");
  });

  it("warns when either run could not be trusted", () => {
    const broken: ScanReport = { ...after, summary: { ...after.summary, exitCode: 2 } };
    expect(renderDiffConsole(diffReports(as("a", before), as("b.json", broken)), { color: false })).toContain("warning: b.json: that run could not be trusted");
  });
});

describe("reading a report to diff", () => {
  it("reads a JSON report", async () => {
    const path = join(dir, "ok.json");
    writeFileSync(path, JSON.stringify(after, null, 2));
    const loaded = await loadReport(path);
    expect(loaded.report.findings).toHaveLength(3);
  });

  it("refuses invalid JSON with its line and column", async () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, `{\n  "tool": {"name": "chataudit"},\n  "findings": [ }\n`);
    await expect(loadReport(path)).rejects.toMatchObject({ where: { file: path, line: 3 } });
  });

  it("refuses a JSON file that is not a chataudit report", async () => {
    const path = join(dir, "other.json");
    writeFileSync(path, `{"runs": []}`);
    await expect(loadReport(path)).rejects.toThrow("not a chataudit JSON report");
  });

  it("refuses a finding without a fingerprint, at its line", async () => {
    const path = join(dir, "nofp.json");
    const { fingerprint: _gone, ...rest } = after.findings[1]!;
    writeFileSync(path, JSON.stringify({ ...after, findings: [after.findings[0], rest] }, null, 2));
    const error = (await loadReport(path).catch((e: unknown) => e)) as { format(): string; where: { line: number } };
    expect(error.format()).toMatch(/nofp\.json:\d+:\d+: `findings\.1` is missing `fingerprint` \(a string\)/);
    expect(error.where.line).toBeGreaterThan(10);
  });
});
