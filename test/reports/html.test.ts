// The HTML report as text: self-contained, locked down by its CSP, hostile values escaped, every section present.
// (Behaviour in a real browser — filters, axe, the payload not running — is in test/browser/html.test.ts.)

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HTML_TEMPLATE_DIR, renderHtml } from "../../src/reports/html.js";
import { cleanReport, HOSTILE, sampleReport } from "../fixtures-reports/sample-report.js";
import { REPO } from "../helpers.js";

const report = sampleReport();
const html = renderHtml(report);

function between(text: string, open: string, close: string): string[] {
  const out: string[] = [];
  let i = text.indexOf(open);
  while (i >= 0) {
    const end = text.indexOf(close, i + open.length);
    out.push(text.slice(i + open.length, end));
    i = text.indexOf(open, end);
  }
  return out;
}

function hashSource(text: string): string {
  return `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
}

describe("HTML report", () => {
  it("finds its templates beside the module, from the package root", () => {
    expect(HTML_TEMPLATE_DIR).toBe(join(REPO, "src/reports/html"));
    expect(existsSync(join(HTML_TEMPLATE_DIR, "report.hbs"))).toBe(true);
  });

  it("finds the same templates from the compiled dist/ module", (ctx) => {
    const compiled = join(REPO, "dist/reports/html.js");
    if (!existsSync(compiled)) ctx.skip("dist/ is not built (npm test builds it first)");
    const script = `import(${JSON.stringify(compiled)}).then((m) => process.stdout.write(m.HTML_TEMPLATE_DIR + "\\n" + m.renderHtml(JSON.parse(process.argv[1]))))`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(report)], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const [dir, ...page] = run.stdout.split("\n");
    expect(dir).toBe(HTML_TEMPLATE_DIR);
    expect(page.join("\n")).toContain("Content-Security-Policy");
  });

  it("has exactly one inline style and one inline script, both allowed by hash and nothing else", () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
    expect(csp).toBeDefined();
    const styles = between(html, "<style>", "</style>");
    const scripts = between(html, "<script>", "</script>");
    expect(styles).toHaveLength(1);
    expect(scripts).toHaveLength(1);
    expect(html.match(/<script/g)).toHaveLength(1);
    const directives = csp!.split(/;\s*/);
    expect(directives).toContain("default-src 'none'");
    expect(directives).toContain(`style-src ${hashSource(styles[0]!)}`);
    expect(directives).toContain(`script-src ${hashSource(scripts[0]!)}`);
    expect(directives).toContain("img-src data:");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    // The CSP meta comes before anything it governs.
    expect(html.indexOf("Content-Security-Policy")).toBeLessThan(html.indexOf("<style>"));
  });

  it("loads nothing: no src, no stylesheet link, no url() outside data:", () => {
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\((?!data:)/i);
    expect(html).not.toMatch(/@import/i);
  });

  it("escapes every hostile snapshot value and drops control characters", () => {
    expect(html).not.toContain(HOSTILE.img);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script>window.__pwned");
    expect(html).toContain("User &lt;img src&#x3D;x onerror&#x3D;&quot;window.__pwned&#x3D;1&quot;&gt; left on 2026-03-01");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;window.__pwned&#x3D;2&lt;/script&gt;");
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
  });

  it("shows the scope: inputs with sha256, platform, snapshot time, clock, tool, pack and catalogue versions", () => {
    for (const i of report.inputs) expect(html).toContain(i.sha256);
    expect(html).toContain("2026-05-31T22:00:00Z");
    expect(html).toContain("mattermost");
    expect(html).toContain(report.asOf);
    expect(html).toContain(report.tool.policyPackVersion);
    expect(html).toContain("2026-05-20 (data/releases.json)");
    expect(html).toContain("Could not be loaded");
  });

  it("summarises results by severity and category, with an inline SVG chart for each", () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain("Results by severity");
    expect(html).toContain("Results by category");
    // CRITICAL row: 1 fail, 0 error, 0 not evaluated, 0 waived, 1 pass, 2 in all.
    expect(html).toMatch(/<th scope="row">CRITICAL<\/th><td class="num">1<\/td><td class="num">0<\/td><td class="num">0<\/td><td class="num">0<\/td><td class="num">1<\/td><td class="num">2<\/td>/);
  });

  it("has a compliance matrix per cited framework, with each control's worst status", () => {
    const frameworks = [...html.matchAll(/<h3 id="framework-[^"]+">([^<]+)<\/h3>/g)].map((m) => m[1]);
    expect(frameworks).toEqual([
      "ISO/IEC 27001:2022 Annex A", "AICPA SOC 2 Trust Services Criteria (2017)", "NIST SP 800-53 Rev. 5", "CIS Critical Security Controls v8",
    ]);
    expect(html).toContain("Access rights"); // A.5.18's name from data/frameworks.yaml
    // A.8.13 is only CA-BKP-001: waived on one snapshot, not evaluated on the other -> not evaluated.
    expect(html).toMatch(/<span class="control-id">A\.8\.13<\/span>(?:(?!<\/tbody>).)*?<span class="status status-not-evaluated">Not evaluated<\/span>/s);
    // Controls come in natural order (A.5.18 before A.5.33 before A.8.2).
    expect(html.indexOf(">A.5.18<")).toBeLessThan(html.indexOf(">A.5.33<"));
    expect(html.indexOf(">A.5.33<")).toBeLessThan(html.indexOf(">A.8.2<"));
  });

  it("shows each finding with evidence, location, remediation and the waiver", () => {
    expect(html.match(/data-filter-item="finding"/g)).toHaveLength(report.findings.length);
    expect(html).toContain("<code>fixtures/mattermost/users.json:42:7</code>");
    expect(html).toContain("Deactivate the account in the System Console and revoke its sessions.");
    expect(html).toContain("Owner ops@example.com · expires 2026-12-31");
    expect(html).toContain("&quot;employment&quot;: &quot;terminated&quot;");
  });

  it("lists every result, passing and not evaluated ones with their reason", () => {
    expect(html.match(/data-filter-item="result"/g)).toHaveLength(report.results.length);
    expect(html).toContain("monitoring.metrics is missing from the snapshot");
  });

  it("renders a clean run too", () => {
    const clean = renderHtml(cleanReport());
    expect(clean).toContain("No failing findings.");
    expect(clean).toContain("No finding: every evaluated subject complies.");
    expect(clean).toContain("No waiver was used.");
  });

  it("is deterministic", () => {
    expect(renderHtml(sampleReport())).toBe(html);
  });
});
