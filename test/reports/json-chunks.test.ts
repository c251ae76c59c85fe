// The JSON report written in pieces must be byte for byte the report rendered whole.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/engine/types.js";
import { renderJson, renderJsonChunks } from "../../src/reports/json.js";

const whole = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

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
  it("equals JSON.stringify with two-space indent around every batch boundary", () => {
    for (const n of [0, 1, 255, 256, 257, 512, 513, 1000]) {
      const report = reportWith(n, n === 0 ? 0 : 300);
      const chunks = [...renderJsonChunks(report)];
      expect(chunks.join(""), `${n} findings`).toBe(whole(report));
      expect(renderJson(report)).toBe(whole(report));
    }
  });

  it("writes a large report as many pieces, none of them the whole", () => {
    const report = reportWith(5000, 10);
    const chunks = [...renderJsonChunks(report)];
    expect(chunks.length).toBeGreaterThan(20);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(total / 10);
  });

  it("agrees with JSON.stringify on arbitrary JSON values, undefined members left out as it does", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 600 }), fc.constant(undefined))),
        (value) => [...renderJsonChunks(value as unknown as ScanReport)].join("") === whole(value),
      ),
      { numRuns: 300, seed: 8 },
    );
  });
});
