// Many offsets to line and column in one sweep: the same answers as the line-start table, for any text.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineIndex, positionsAt } from "../../src/source/text.js";

describe("positionsAt", () => {
  it("agrees with LineIndex for every offset, newline characters and the end of the text included", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "\n", "\r", "é", " ") }), fc.array(fc.nat(), { maxLength: 30 }), (text, raw) => {
        const offsets = raw.map((n) => n % (text.length + 1));
        const index = new LineIndex(text);
        const swept = positionsAt(text, offsets);
        return offsets.every((o) => JSON.stringify(swept.get(o)) === JSON.stringify(index.position(o)));
      }),
      { numRuns: 500, seed: 3 },
    );
  });

  it("answers offsets given in any order, repeated ones once", () => {
    const text = "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n";
    const out = positionsAt(text, [text.indexOf("2"), 0, text.indexOf("\"b\""), 0]);
    expect(out.size).toBe(3);
    expect(out.get(0)).toEqual({ line: 1, column: 1 });
    expect(out.get(text.indexOf("\"b\""))).toEqual({ line: 3, column: 3 });
    expect(out.get(text.indexOf("2"))).toEqual({ line: 4, column: 5 });
  });
});
