// The JSON report written in pieces must be byte for byte the report rendered whole, and mean what JSON.stringify means.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/engine/types.js";
import { renderJson, renderJsonChunks } from "../../src/reports/json.js";

/** What the report must parse back to: the value as JSON.stringify sees it (undefined members dropped...). */
const meaning = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

function reportWith(findings: number, results: number): ScanReport {
  return {
    tool: { name: "chataudit", version: "0.1.0", policyPackVersion: "x" },
    asOf: "2026-06-01T00:00:00.000Z",
    inputs: [],
    summary: undefined as never,
    results: Array.from({ length: results }, (_, i) => ({ policyId: `CA-TST-${i}`, evaluated: i, nested: { list: [i, [i]], empty: {} } })) as never,
    findings: Array.from({ length: findings }, (_, i) => ({ subject: `users/u-${i}`, message: `caf\u00e9 \u{1F600} "quoted"\n${i}`, evidence: { actual: { x: null } } })) as never,
    policies: [],
    warnings: ["a warning"],
  };
}

describe("the JSON report in chunks", () => {
  it("parses back to the report around every batch boundary, the pieces joined being the whole", () => {
    for (const n of [0, 1, 511, 512, 513, 1024, 1025, 2000]) {
      const report = reportWith(n, n === 0 ? 0 : 300);
      const text = [...renderJsonChunks(report)].join("");
      expect(text, `${n} findings`).toBe(renderJson(report));
      expect(JSON.parse(text), `${n} findings`).toEqual(meaning(report));
    }
  });

  it("indents the small members and writes one compact list element per line", () => {
    const text = renderJson(reportWith(3, 2));
    expect(text.startsWith('{\n  "tool": {\n    "name": "chataudit",\n')).toBe(true);
    const lines = text.split("\n");
    const findingLines = lines.filter((l) => l.includes('"subject":"users/u-'));
    expect(findingLines).toHaveLength(3);
    // The newline inside the message is escaped, so each finding stays on its line.
    expect(findingLines[0]).toBe(`    ${JSON.stringify(reportWith(3, 2).findings[0])},`);
    expect(findingLines[2]!.endsWith("}")).toBe(true);
    expect(lines).toContain('  "warnings": [');
    expect(lines).toContain('    "a warning"');
    expect(text.endsWith("\n}\n")).toBe(true);
  });

  it("writes a large report as many pieces, none of them the whole", () => {
    const report = reportWith(20000, 10);
    const chunks = [...renderJsonChunks(report)];
    expect(chunks.length).toBeGreaterThan(20);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(total / 10);
  });

  it("agrees with JSON.stringify on arbitrary JSON values, undefined members left out as it does", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.array(fc.oneof(fc.jsonValue(), fc.constant(undefined)), { maxLength: 1100 }), fc.constant(undefined))),
        (value) => {
          expect(JSON.parse([...renderJsonChunks(value as unknown as ScanReport)].join(""))).toEqual(meaning(value));
        },
      ),
      { numRuns: 300, seed: 8 },
    );
  });
});
