// The SARIF report: valid against the official schema, clean under the multitool's GitHub rules, and every GitHub ingestion rule held.

import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/engine/types.js";
import { buildSarifLog, FINGERPRINT_KEY, renderSarif } from "../../src/reports/sarif.js";
import { SEVERITY } from "../../src/reports/severity.js";
import { cleanReport, sampleReport } from "../fixtures-reports/sample-report.js";
import { runMultitool, sarifSchemaErrors } from "./sarif-validators.js";

const report = sampleReport();
const log = buildSarifLog(report);
const run = log.runs[0]!;

describe("SARIF report", () => {
  it("validates against the official SARIF 2.1.0 schema", () => {
    expect(sarifSchemaErrors(JSON.parse(renderSarif(report)))).toEqual([]);
    expect(sarifSchemaErrors(JSON.parse(renderSarif(cleanReport())))).toEqual([]);
  });

  it("the schema check itself rejects a broken log (line 0, no message)", () => {
    const broken = JSON.parse(renderSarif(report)) as typeof log;
    broken.runs[0]!.results![0]!.locations![0]!.physicalLocation!.region!.startLine = 0;
    delete (broken.runs[0]!.results![1] as { message?: unknown }).message;
    expect(sarifSchemaErrors(broken).length).toBeGreaterThanOrEqual(2);
  });

  it("has no error-level (nor warning-level) result under the SARIF multitool's Ghas and Sarif rules", (ctx) => {
    const verdict = runMultitool(renderSarif(report));
    if (verdict.unavailable) {
      if (process.env.CI === "true") throw new Error(`SARIF multitool cannot run in CI: ${verdict.unavailable}`);
      ctx.skip(`SARIF multitool cannot run on this machine: ${verdict.unavailable}`);
    }
    expect(verdict.results.filter((r) => r.level === "error")).toEqual([]);
    expect(verdict.results.filter((r) => r.level === "warning")).toEqual([]);
  });

  it("the multitool check itself flags what GitHub rejects (a result without locations)", (ctx) => {
    const broken = JSON.parse(renderSarif(report)) as typeof log;
    delete broken.runs[0]!.results![0]!.locations;
    const verdict = runMultitool(JSON.stringify(broken));
    if (verdict.unavailable) ctx.skip(`SARIF multitool cannot run on this machine: ${verdict.unavailable}`);
    expect(verdict.results.filter((r) => r.level === "error").length).toBeGreaterThan(0);
  });

  it("is one run with $schema and a described driver", () => {
    expect(log.$schema).toMatch(/^https:\/\/.*sarif-2\.1\.0\.json$/);
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    const driver = run.tool.driver;
    expect(driver.name).toBe("chataudit");
    expect(driver.version).toBe(report.tool.version);
    expect(driver.informationUri).toMatch(/^https:\/\//);
    expect(run.invocations).toHaveLength(1);
  });

  it("has one fully described rule per policy, with numeric security-severity and level from the severity table", () => {
    const rules = run.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(report.policies.map((p) => p.id));
    for (const p of report.policies) {
      const rule = rules.find((r) => r.id === p.id)!;
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(rule.shortDescription?.text).toContain(p.title);
      expect(rule.fullDescription?.text).toContain(p.description);
      expect(rule.help?.text).toContain(p.remediation);
      expect(rule.help?.markdown).toContain(p.remediation);
      for (const ref of p.references) expect(rule.help?.markdown).toContain(ref);
      expect(rule.defaultConfiguration?.level).toBe(SEVERITY[p.severity].sarifLevel);
      const props = rule.properties as Record<string, unknown> & { tags: string[] };
      expect(props["security-severity"]).toBe(SEVERITY[p.severity].securitySeverity);
      expect(Number.isFinite(Number(props["security-severity"]))).toBe(true);
      expect(props.tags).toEqual(expect.arrayContaining([p.category, p.severity]));
      for (const [fw, controls] of Object.entries(p.frameworks)) {
        for (const c of controls) expect(props.tags).toContain(`${fw}/${c}`);
      }
    }
    const withUrl = rules.find((r) => r.id === "CA-ACC-001")!;
    expect(withUrl.helpUri).toBe("https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final");
  });

  it("gives every finding a result with rule index, level, message, a 1-based location under %SRCROOT% and a fingerprint", () => {
    const results = run.results!;
    expect(results).toHaveLength(report.findings.length);
    results.forEach((r, i) => {
      const f = report.findings[i]!;
      expect(r.ruleId).toBe(f.policyId);
      expect(run.tool.driver.rules![r.ruleIndex!]!.id).toBe(f.policyId);
      expect(r.level).toBe(SEVERITY[f.severity].sarifLevel);
      expect(r.message.text).toContain(f.message.trim());
      const loc = r.locations![0]!.physicalLocation!;
      expect(loc.artifactLocation!.uriBaseId).toBe("%SRCROOT%");
      expect(decodeURIComponent(loc.artifactLocation!.uri!)).toBe(f.location.path);
      expect(loc.region!.startLine).toBe(f.location.line);
      expect(loc.region!.startColumn).toBe(f.location.column);
      expect(r.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: f.fingerprint });
      expect(run.artifacts![loc.artifactLocation!.index!]!.location!.uri).toBe(loc.artifactLocation!.uri);
    });
  });

  it("never emits line or column 0, even when the report has one", () => {
    const odd: ScanReport = sampleReport();
    odd.findings[0]!.location = { path: "fixtures/x.json", line: 0, column: 0 };
    const region = buildSarifLog(odd).runs[0]!.results![0]!.locations![0]!.physicalLocation!.region!;
    expect(region).toEqual({ startLine: 1, startColumn: 1 });
  });

  it("points outside the scan root with an absolute file URI rather than a broken relative one", () => {
    const odd: ScanReport = sampleReport();
    odd.findings[0]!.location = { path: "/etc/matrix synapse/homeserver.yaml", line: 3, column: 1 };
    const artifact = buildSarifLog(odd).runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!;
    expect(artifact.uri).toBe("file:///etc/matrix%20synapse/homeserver.yaml");
    expect(artifact.uriBaseId).toBeUndefined();
  });

  it("records waived findings as accepted external suppressions with justification, owner and expiry", () => {
    const waivedIndex = report.findings.findIndex((f) => f.status === "waived");
    const waived = report.findings[waivedIndex]!;
    expect(run.results![waivedIndex]!.suppressions).toEqual([
      { kind: "external", status: "accepted", justification: waived.waiver!.reason, properties: { owner: waived.waiver!.owner, expires: waived.waiver!.expires } },
    ]);
    const unwaived = run.results!.filter((_, i) => report.findings[i]!.status === "fail");
    for (const r of unwaived) expect(r.suppressions).toBeUndefined();
  });

  it("carries baseline state when the scan used a baseline", () => {
    const states = run.results!.map((r) => r.baselineState);
    expect(states).toEqual(report.findings.map((f) => f.baselineState));
  });

  it("names the snapshot set in automationDetails.id so several scans upload side by side", () => {
    expect(run.automationDetails!.id).toMatch(/^chataudit\/[A-Za-z0-9._+-]+\/$/);
    expect(run.automationDetails!.id).toContain("chat-prod");
    const other = buildSarifLog(cleanReport()).runs[0]!.automationDetails!.id;
    expect(other).toBe("chataudit/chat-prod/");
    expect(other).not.toBe(run.automationDetails!.id);
  });

  it("reports unreadable inputs and errored results as tool execution errors, not-evaluated ones as notes", () => {
    const invocation = run.invocations![0]!;
    expect(invocation.executionSuccessful).toBe(false);
    const notes = invocation.toolExecutionNotifications!;
    expect(notes.filter((n) => n.level === "error")).toHaveLength(2);
    expect(notes.filter((n) => n.level === "note")).toHaveLength(2);
    expect(notes.some((n) => n.message.text!.includes("fixtures/broken.yaml could not be loaded"))).toBe(true);
    expect(buildSarifLog(cleanReport()).runs[0]!.invocations![0]!.executionSuccessful).toBe(true);
  });

  it("adds a rule for a finding whose policy the report does not describe, so no result lacks a rule", () => {
    const odd: ScanReport = sampleReport();
    odd.policies = odd.policies.filter((p) => p.id !== "CA-AUD-001");
    const sarif = buildSarifLog(odd);
    expect(sarifSchemaErrors(sarif)).toEqual([]);
    const r = sarif.runs[0]!.results!.find((x) => x.ruleId === "CA-AUD-001")!;
    expect(sarif.runs[0]!.tool.driver.rules![r.ruleIndex!]!.id).toBe("CA-AUD-001");
  });

  it("keeps hostile snapshot strings as data (JSON-escaped, the document still parses)", () => {
    const text = renderSarif(report);
    const parsed = JSON.parse(text) as typeof log;
    expect(parsed.runs[0]!.results![0]!.message.text).toContain('<img src=x onerror="window.__pwned=1">');
  });
});
