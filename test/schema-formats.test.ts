// The fast path in front of ajv-formats' date formats says yes only where ajv-formats says yes.

import fc from "fast-check";
import ajvFormats from "ajv-formats/dist/formats.js";
import { describe, expect, it } from "vitest";
import { chatauditFormats } from "../src/schema-formats.js";
import { validatorFor, schemaProblems } from "../src/schema.js";

const full = ajvFormats.fullFormats as Record<string, { validate: (s: string) => boolean }>;
const two = (n: number) => String(n).padStart(2, "0");

/** Strings shaped like the common spellings, with every field allowed to be out of range. */
const dateLike = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }), m: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }),
    hh: fc.integer({ min: 0, max: 25 }), mm: fc.integer({ min: 0, max: 61 }), ss: fc.integer({ min: 0, max: 61 }),
    ms: fc.option(fc.integer({ min: 0, max: 999 })), time: fc.boolean(), sep: fc.constantFrom("T", "t", " ", "_"), zone: fc.constantFrom("Z", "z", "+02:00", ""),
  })
  .map(({ y, m, d, hh, mm, ss, ms, time, sep, zone }) => {
    const date = `${String(y).padStart(4, "0")}-${two(m)}-${two(d)}`;
    if (!time) return date;
    return `${date}${sep}${two(hh)}:${two(mm)}:${two(ss)}${ms === null ? "" : `.${String(ms).padStart(3, "0")}`}${zone}`;
  });

describe("date formats", () => {
  it("agree with ajv-formats' full validators on date-shaped and arbitrary strings", () => {
    fc.assert(
      fc.property(fc.oneof(dateLike, fc.string(), fc.string({ unit: fc.constantFrom(..."0123456789-:TZ. ") })), (s) => {
        expect(chatauditFormats["date-time"].validate(s), s).toBe(full["date-time"]!.validate(s));
        expect(chatauditFormats.date.validate(s), s).toBe(full.date!.validate(s));
      }),
      { numRuns: 20_000, seed: 29 },
    );
  });

  it("refuse days that do not exist and times past 23:59:59, accept leap days", () => {
    expect(chatauditFormats.date.validate("2024-02-29")).toBe(true);
    expect(chatauditFormats.date.validate("2026-02-29")).toBe(false);
    expect(chatauditFormats["date-time"].validate("2026-04-31T00:00:00Z")).toBe(false);
    expect(chatauditFormats["date-time"].validate("2026-05-31T24:00:00Z")).toBe(false);
    expect(chatauditFormats["date-time"].validate("2026-05-31T08:00:00.123Z")).toBe(true);
    // Spellings only ajv-formats reads still pass through it: an offset, a leap second.
    expect(chatauditFormats["date-time"].validate("2026-05-31T08:00:00+02:00")).toBe(true);
    expect(chatauditFormats["date-time"].validate("2016-12-31T23:59:60Z")).toBe(true);
  });

  it("are what snapshot validation uses: an impossible date is still a schema error", () => {
    const validate = validatorFor("snapshot");
    const snapshot = { apiVersion: "chataudit/v1", kind: "Snapshot", metadata: { name: "x", platform: "mattermost", collectedAt: "2026-02-30T00:00:00Z" } };
    expect(validate(snapshot)).toBe(false);
    expect(schemaProblems(validate.errors)[0]!.message).toMatch(/metadata\.collectedAt. must be an ISO 8601 date/);
    expect(validate({ ...snapshot, metadata: { ...snapshot.metadata, collectedAt: "2026-02-28T00:00:00Z" } })).toBe(true);
  });
});
