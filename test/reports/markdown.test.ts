// The Markdown summary: one line when all is well; otherwise findings by severity, waivers and counts, with values made inert.

import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/engine/types.js";
import { markdownCode, markdownText } from "../../src/reports/escape.js";
import { renderMarkdown } from "../../src/reports/markdown.js";
import { cleanReport, sampleReport } from "../fixtures-reports/sample-report.js";

/** Cells of a GFM table row: split on pipes not escaped with a backslash. */
function cells(row: string): string[] {
  return row.replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map((c) => c.trim());
}

const md = renderMarkdown(sampleReport());
const lines = md.split("\n");

describe("Markdown summary", () => {
  it("is a single line with the counts when nothing fails", () => {
    const clean = renderMarkdown(cleanReport());
    expect(clean.trimEnd().split("\n")).toHaveLength(1);
    expect(clean).toMatch(/^✅ \*\*chataudit\*\*: no failing findings\. 1 snapshot × 6 policies · 6 passed · 0 failed · 0 waived · 0 not evaluated/);
  });

  it("heads a failing run with the verdict and the findings by severity", () => {
    expect(lines[0]).toBe("### ⛔ chataudit: the run could not be trusted; 5 failing findings (2 critical, 2 high, 1 info)");
    const gated = sampleReport();
    gated.summary.exitCode = 1;
    expect(renderMarkdown(gated).split("\n")[0]).toBe("### ❌ chataudit: 3 findings at or above high; 5 failing findings (2 critical, 2 high, 1 info)");
  });

  it("lists failing findings most severe first, one table row each with six cells", () => {
    const rows = lines.filter((l) => l.startsWith("| CRITICAL") || l.startsWith("| HIGH") || l.startsWith("| INFO"));
    expect(rows.map((r) => cells(r)[0])).toEqual(["CRITICAL", "CRITICAL", "HIGH", "HIGH", "INFO"]);
    for (const r of rows) expect(cells(r)).toHaveLength(6);
    expect(md).toContain("`fixtures/mattermost/users.json:42:7`");
  });

  it("cuts the table at the limit and says how many more there are", () => {
    const many = sampleReport();
    const template = many.findings[2]!;
    many.findings = Array.from({ length: 40 }, (_, i): Finding => ({ ...template, subject: `endpoints/e${i}` }));
    const text = renderMarkdown(many, { maxFindings: 10 });
    expect(text.split("\n").filter((l) => l.startsWith("| HIGH"))).toHaveLength(10);
    expect(text).toContain("_… and 30 more failing findings: see the HTML or SARIF report._");
  });

  it("lists waivers with owner, expiry and reason, and counts not-evaluated results", () => {
    const header = lines.indexOf("| Policy | Snapshot | Subject | Owner | Expires | Reason |");
    expect(header).toBeGreaterThan(0);
    const row = cells(lines[header + 2]!);
    expect(row.slice(0, 5)).toEqual(["`CA-BKP-001`", "`chat-prod`", "`snapshot`", "ops@\u200bexample.com", "2026-12-31"]);
    expect(md).toContain("**Not evaluated:** 2 policy results");
    expect(md).toContain("**Inputs that could not be read (1)**");
    expect(md).toContain("**Policies that could not be evaluated (1)**");
  });

  it("makes hostile values inert: no raw HTML outside code spans, no extra table cells, no mentions, no control characters", () => {
    const outsideCode = md.replace(/(`+)(.+?)\1(?!`)/g, "");
    expect(outsideCode).not.toContain("<");
    expect(md).not.toMatch(/[\u0000\u0007\u000b\u001b]/);
    expect(md).toContain("&lt;img src=x onerror=\"window.\\_\\_pwned=1\"&gt;");
    expect(outsideCode).not.toMatch(/@admin/);
    const row = lines.find((l) => l.includes("serves plain HTTP"))!;
    expect(cells(row)).toHaveLength(6);
  });
});

describe("Markdown escaping", () => {
  it("escapes inline markup, pipes, HTML and mentions in text", () => {
    expect(markdownText("a|b *c* [d](e) <i> @bob $x$")).toBe("a\\|b \\*c\\* \\[d\\](e) &lt;i&gt; @\u200bbob \\$x\\$");
    expect(markdownText("two\nlines")).toBe("two lines");
  });

  it("fences code spans longer than any backtick run inside, and escapes pipes", () => {
    expect(markdownCode("a`b")).toBe("``a`b``");
    expect(markdownCode("`x`")).toBe("`` `x` ``");
    expect(markdownCode("a|b")).toBe("`a\\|b`");
  });
});
