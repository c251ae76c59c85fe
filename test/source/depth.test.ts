// The nesting guard in front of everything that recurses over a parsed document.

import { describe, expect, it } from "vitest";
import { MAX_NESTING, nestedDeeperThan } from "../../src/source/depth.js";

/** A document `levels` containers deep, alternating mappings and lists, under the given key. */
function nested(levels: number, key = "a"): unknown {
  let text = "1";
  for (let i = 0; i < levels; i += 1) text = i % 2 ? `[${text}]` : `{${JSON.stringify(key)}:${text}}`;
  return JSON.parse(text);
}

describe("nestedDeeperThan", () => {
  it("accepts exactly the limit and refuses one level more, in mappings and lists", () => {
    expect(nestedDeeperThan(nested(MAX_NESTING + 1))).toBe(false);
    expect(nestedDeeperThan(nested(MAX_NESTING + 2))).toBe(true);
    expect(nestedDeeperThan(nested(4), 2)).toBe(true);
    expect(nestedDeeperThan(nested(3), 2)).toBe(false);
  });

  it("finds the deep branch beside shallow ones, and ignores scalars", () => {
    const doc = { wide: Array.from({ length: 1000 }, (_, i) => ({ i })), deep: nested(10) };
    expect(nestedDeeperThan(doc, 8)).toBe(true);
    expect(nestedDeeperThan(doc, 12)).toBe(false);
    for (const scalar of [null, 1, "x", true, undefined]) expect(nestedDeeperThan(scalar, 0)).toBe(false);
  });

  it("counts members named __proto__ (own data keys after JSON.parse) like any other", () => {
    expect(nestedDeeperThan(nested(6, "__proto__"), 4)).toBe(true);
    expect(nestedDeeperThan(nested(6, "__proto__"), 6)).toBe(false);
  });

  it("reads mappings without a prototype", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { child: { grandchild: {} } });
    expect(nestedDeeperThan(bare, 1)).toBe(true);
    expect(nestedDeeperThan(bare, 2)).toBe(false);
  });

  it("walks a 200,000-level document without overflowing the stack", () => {
    expect(nestedDeeperThan(JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`))).toBe(true);
  });
});
