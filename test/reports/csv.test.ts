// The CSV report: one row per finding, RFC 4180 quoting that reads back exactly, and no cell a spreadsheet would run.

import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, renderCsv } from "../../src/reports/csv.js";
import { csvField } from "../../src/reports/escape.js";
import { cleanReport, HOSTILE, sampleReport } from "../fixtures-reports/sample-report.js";

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes; throws on anything else. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: string[] = [];
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i += 1;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new Error("unterminated quoted field");
          field += text.slice(i, q);
          if (text[q + 1] === '"') {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      } else {
        const m = /^[^",\r\n]*/.exec(text.slice(i))![0];
        field = m;
        i += m.length;
      }
      record.push(field);
      if (text[i] === ",") {
        i += 1;
        continue;
      }
      if (text.startsWith("\r\n", i)) {
        i += 2;
        break;
      }
      throw new Error(`expected , or CRLF at offset ${i}, found ${JSON.stringify(text.slice(i, i + 5))}`);
    }
    records.push(record);
  }
  return records;
}

const report = sampleReport();
const csv = renderCsv(report);
const [header, ...rows] = parseCsv(csv);

function row(subjectIncludes: string): Record<string, string> {
  const r = rows.find((x) => x[CSV_COLUMNS.indexOf("subject")]!.includes(subjectIncludes));
  if (!r) throw new Error(`no row for ${subjectIncludes}`);
  return Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]!]));
}

describe("CSV report", () => {
  it("has a header and one row per finding, every row the header's width", () => {
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(report.findings.length);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    expect(parseCsv(renderCsv(cleanReport()))).toEqual([[...CSV_COLUMNS]]);
  });

  it("ends every record with CRLF and never has a bare LF outside quotes", () => {
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(csv.replace(/"(?:[^"]|"")*"/g, "").replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  });

  it("carries each finding's fields, location, frameworks and waiver", () => {
    const r = row("users/u-17");
    expect(r).toMatchObject({
      policyId: "CA-ACC-001", severity: "critical", category: "access", status: "fail", snapshot: "chat-prod",
      location: "fixtures/mattermost/users.json:42:7", fingerprint: report.findings[0]!.fingerprint,
      frameworks: "iso27001-2022 A.5.18, A.8.2; soc2-2017 CC6.2; nist-800-53-r5 AC-2",
      waiverOwner: "", waiverExpires: "",
    });
    expect(r.message).toBe(`User ${HOSTILE.img} left on 2026-03-01 and is still active`);
    const waived = rows.map((x) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, x[i]!]))).find((x) => x.status === "waived")!;
    expect(waived).toMatchObject({ waiverOwner: "ops@example.com", waiverExpires: "2026-12-31", baselineState: "unchanged" });
    expect(waived.waiverReason).toContain(HOSTILE.cdata);
  });

  it("neutralises cells a spreadsheet would evaluate as a formula", () => {
    const plain = row("endpoints/|");
    expect(plain.message.startsWith("'=HYPERLINK(")).toBe(true);
    const audit = rows.find((x) => x[CSV_COLUMNS.indexOf("policyId")] === "CA-AUD-001")!;
    expect(audit[CSV_COLUMNS.indexOf("message")]!.startsWith("'-2+3")).toBe(true);
    for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("quotes per RFC 4180 and prefixes each formula start", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) expect(csvField(`${start}1`).replace(/^"/, "").startsWith(`'${start}`)).toBe(true);
    expect(csvField("a=b")).toBe("a=b");
  });
});
