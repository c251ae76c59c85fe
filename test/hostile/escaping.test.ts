// The hostile-values snapshot through the real scan into every format: each format carries the values as data of
// its own kind (XML text, a CSV cell, a Markdown cell, a terminal line) and never as markup, formulas or escapes.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../../src/reports/csv.js";
import { renderConsole } from "../../src/reports/console.js";
import type { ScanReport } from "../../src/engine/types.js";
import { cli } from "../cli/run.js";
import { sarifSchemaErrors } from "../reports/sarif-validators.js";
import { parseXml, type XmlElement } from "../reports/xml.js";
import { AS_OF, HOSTILE_POLICIES, HOSTILE_SNAPSHOT, HOSTILE_WAIVERS, scratch, strayStderr } from "./support.js";

/** The name the second copy of the corpus carries: a formula, for the CSV's snapshot column. */
const FORMULA_NAME = '=HYPERLINK("https://evil.example","prod")';

/** A file name that is itself hostile: it becomes every finding's location. */
const HOSTILE_FILE_NAME = "=cmd|calc <img src=x> \"q\" \u001b[31mred\u001b[0m\n::error::x.yaml";

let dir: string;
let remove: () => void;
let out: string;
let consoleText: string;
let githubText: string;
let report: ScanReport;
const read = (name: string) => readFileSync(join(out, name), "utf8");

beforeAll(async () => {
  ({ dir, remove } = scratch("hostile-escaping"));
  out = join(dir, "out");
  const renamed = join(dir, HOSTILE_FILE_NAME);
  writeFileSync(renamed, readFileSync(HOSTILE_SNAPSHOT, "utf8").replace(/^  name: .*$/m, `  name: ${JSON.stringify(FORMULA_NAME)}`));
  const common = ["--policies", HOSTILE_POLICIES, "--waivers", HOSTILE_WAIVERS, "--output", out, "--as-of", AS_OF, "--no-config", "--fail-on", "none"];
  const files = await cli("scan", HOSTILE_SNAPSHOT, renamed, ...common, "--format", "json,sarif,html,junit,markdown,csv,console");
  expect(strayStderr(files.stderr)).toEqual([]);
  expect(files.code).toBe(0);
  consoleText = files.stdout;
  const github = await cli("scan", HOSTILE_SNAPSHOT, renamed, ...common, "--format", "github");
  githubText = github.stdout;
  report = JSON.parse(read("chataudit.json")) as ScanReport;
});
afterAll(() => remove());

/** Every user name and endpoint field of the corpus, as the snapshot holds them. */
function hostileValues(): string[] {
  const users = report.findings.filter((f) => f.policyId === "CA-HST-201").map((f) => f.evidence.actual.username as string);
  expect(users.length).toBeGreaterThanOrEqual(16 * 2);
  return [...new Set(users)];
}

describe("the corpus reaches every format", () => {
  it("keeps every hostile value intact in the JSON report", () => {
    const values = hostileValues();
    expect(values).toContain('<img src=x onerror="window.__pwned=1">');
    expect(values).toContain("=cmd|' /C calc'!A0");
    expect(values).toContain("\u001b[31mRED\u001b[0m \u001b]0;pwned title\u0007 \u001b[2J\u001b[H cleared \u009b31m c1");
    expect(report.inputs.map((i) => i.path)).toContain(join(dir, HOSTILE_FILE_NAME));
    expect(report.findings.some((f) => f.location.path === join(dir, HOSTILE_FILE_NAME))).toBe(true);
  });
});

describe("CSV", () => {
  /** RFC 4180 records: quoted fields may hold anything, with quotes doubled; records end in CRLF. */
  function records(text: string): string[][] {
    const field = /("(?:[^"]|"")*"|[^",\r\n]*)(,|\r\n)/y;
    const rows: string[][] = [];
    let row: string[] = [];
    while (field.lastIndex < text.length) {
      const m = field.exec(text);
      if (!m) throw new Error(`not RFC 4180 at offset ${field.lastIndex}: ${JSON.stringify(text.slice(field.lastIndex, field.lastIndex + 40))}`);
      row.push(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
      if (m[2] === "\r\n") {
        rows.push(row);
        row = [];
      }
    }
    return rows;
  }

  it("reads back as one record per finding, every one with every column", () => {
    const rows = records(read("chataudit.csv"));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(report.findings.length + 1);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
  });

  it("starts no cell with a character a spreadsheet would run (=, +, -, @, tab, CR)", () => {
    const cells = records(read("chataudit.csv")).flat();
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    // The values are still there, behind the apostrophe that makes them text: a snapshot name, a waiver's owner and reason.
    expect(cells).toContain(`'${FORMULA_NAME}`);
    expect(cells.some((c) => c.startsWith("'+owner@example.org"))).toBe(true);
    expect(cells.some((c) => c.startsWith("'=HYPERLINK(\"https://evil.example\") | accepted"))).toBe(true);
  });
});

describe("SARIF", () => {
  it("is valid SARIF 2.1.0 and carries the values as JSON strings", () => {
    const text = read("chataudit.sarif");
    const log = JSON.parse(text) as { runs: { results: { message: { text: string } }[] }[] };
    expect(sarifSchemaErrors(log)).toEqual([]);
    const messages = log.runs[0]!.results.map((r) => r.message.text).join("\n");
    expect(messages).toContain('<img src=x onerror="window.__pwned=1">');
    // JSON escapes control characters; none is written raw.
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });
});

describe("JUnit XML", () => {
  function allText(e: XmlElement): string {
    return [e.text, ...Object.values(e.attributes), ...e.children.map(allText)].join("\n");
  }

  it("is well-formed XML 1.0 whatever the values hold", () => {
    const xml = read("chataudit.junit.xml");
    const root = parseXml(xml);
    expect(root.name).toBe("testsuites");
    const text = allText(root);
    // Markup and quotes come back as data; characters XML cannot carry are dropped.
    expect(text).toContain("]]> <![CDATA[ & \"dq\" 'sq' &amp;");
    expect(text).toContain("</script><script>window.__pwned=2</script><!--");
    expect(text).not.toMatch(/[\u0000\u0001\uFFFE]/);
    expect(xml).not.toContain("<script>");
  });
});

describe("Markdown", () => {
  const cells = (row: string) => row.replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/);

  it("keeps every table row one line with the header's number of cells", () => {
    const lines = read("chataudit.md").split("\n");
    const header = lines.findIndex((l) => l.startsWith("| Severity |"));
    expect(header).toBeGreaterThanOrEqual(0);
    const width = cells(lines[header]!).length;
    const rows = lines.slice(header + 2).filter((l) => l.startsWith("|"));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(cells(row), row).toHaveLength(width);
    expect(lines.filter((l) => /^(#|chataudit: error|::error)/.test(l) && !l.startsWith("### "))).toEqual([]);
  });

  it("lets no HTML, link, image or mention through outside code spans", () => {
    // Inside a code span Markdown shows everything as written: `<img>` there is text.
    const md = read("chataudit.md").replace(/(`+)[\s\S]*?[^`]\1(?!`)/g, "");
    expect(md).not.toMatch(/<(img|script|svg|style|base|b)\b/i);
    expect(md).not.toMatch(/(?<!\\)\]\(javascript:/);
    expect(md).not.toMatch(/(?<!\\)!\[img\]\(/);
    expect(md).not.toMatch(/@everyone/);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
  });
});

describe("values of any length", () => {
  it("renders a subject of 200,000 backtick runs in Markdown without running out of stack", async () => {
    const path = join(dir, "backticks.yaml");
    const ticks = "`a".repeat(200_000);
    writeFileSync(path, `apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: { name: ticks, platform: generic, collectedAt: "${AS_OF}" }\nusers:\n  - { id: "${ticks}", username: x }\n`);
    const result = await cli("scan", path, "--policies", HOSTILE_POLICIES, "--no-builtin", "--format", "markdown", "--output", join(dir, "ticks"), "--as-of", AS_OF, "--no-config");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    expect(readFileSync(join(dir, "ticks", "chataudit.md"), "utf8")).toContain("``users/`a`a`a");
  });
});

describe("terminal output", () => {
  /** Raw characters a terminal would act on: escapes, C1 controls, carriage returns, bidirectional overrides. */
  const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it("prints the console report with every escape sequence shown as text", () => {
    expect(consoleText).not.toMatch(UNSAFE);
    expect(consoleText).toContain("\\u001b[31mRED\\u001b[0m");
    expect(consoleText).toContain("\\u202egnp.exe");
    // A value's line break cannot start a line of its own.
    expect(consoleText.split("\n").filter((l) => l.startsWith("chataudit: error") || l.startsWith("::"))).toEqual([]);
  });

  it("colours only what chataudit colours when writing to a terminal", () => {
    const coloured = renderConsole(report, { color: true });
    const withoutOwnColours = coloured.replace(/\u001b\[\d+(;\d+)*m/g, "");
    expect(withoutOwnColours).not.toMatch(UNSAFE);
    expect(coloured).not.toContain("\u001b]0;");
    expect(coloured).not.toContain("\u001b[2J");
  });

  it("prints `chataudit diff` of the hostile report with every escape sequence shown as text", async () => {
    const empty = join(dir, "empty.json");
    writeFileSync(empty, JSON.stringify({ ...report, findings: [] }));
    const diff = await cli("diff", empty, join(out, "chataudit.json"), "--fail-on", "none");
    expect(diff.stderr).toBe("");
    expect(diff.code).toBe(0);
    expect(diff.stdout).not.toMatch(UNSAFE);
    expect(diff.stdout.split("\n").filter((l) => /^(chataudit: error|::error|# )/.test(l))).toEqual([]);
    expect(diff.stdout).toContain("\\u001b[31mRED");
  });

  it("writes one GitHub annotation per line, with no escape sequence in it", () => {
    const lines = githubText.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(30);
    for (const line of lines) expect(line).toMatch(/^::(error|warning|notice)( [^:]+)?::/);
    expect(githubText).not.toMatch(UNSAFE);
  });
});
