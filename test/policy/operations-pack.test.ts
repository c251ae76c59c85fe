// The domain operations the bundled pack added to src/policy/operations.ts, with their edge cases.

import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../../src/policy/operations.js";

const ctx = { asOf: Date.parse("2026-06-01T00:00:00Z") };

describe("trim", () => {
  const trim = OPERATIONS.trim!;

  it("removes surrounding white space so that a blank string is not present", () => {
    expect(trim(ctx, "  ~it-help \n")).toBe("~it-help");
    expect(trim(ctx, "   ")).toBe("");
    expect(OPERATIONS.present!(ctx, trim(ctx, "\t "))).toBe(false);
  });

  it("gives null for anything that is not a string", () => {
    expect(trim(ctx, null)).toBeNull();
    expect(trim(ctx, undefined)).toBeNull();
    expect(trim(ctx, 42)).toBeNull();
    expect(trim(ctx, ["a"])).toBeNull();
  });
});
