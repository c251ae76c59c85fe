import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { locateJsonPaths } from "../../src/source/json-locate.js";
import { LineIndex } from "../../src/source/text.js";

/** Reference positions: yaml's position-tracking parser on the same JSON text (slow, exact). */
function referenceOffset(text: string, path: string[]): number {
  const doc = parseDocument(text, { lineCounter: new LineCounter() });
  let node = doc.contents as Node;
  let offset = node.range![0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value: unknown }).value) === key);
      if (!pair) break;
      offset = (pair.key as Node).range![0];
      node = pair.value as Node;
    } else if (isSeq(node)) {
      const item = node.items[Number(key)] as Node | undefined;
      if (!item) break;
      offset = item.range![0];
      node = item;
    } else break;
  }
  return offset;
}

describe("locating values in JSON text", () => {
  const text = `{
  "metadata": { "name": "a\\"b", "platform": "x" },
  "users": [
    { "id": "u1", "mfa": true },
    { "id": "u2", "roles": ["admin", "}]"], "mfa": false }
  ]
}`;

  it("points a member at its key and an element at its value", () => {
    const found = locateJsonPaths(text, [["users", "1", "mfa"], ["users", "0"], ["metadata", "platform"]]);
    const lines = new LineIndex(text);
    expect(lines.position(found.get("users.1.mfa")!)).toEqual({ line: 5, column: 45 });
    expect(lines.position(found.get("users.0")!)).toEqual({ line: 4, column: 5 });
    expect(lines.position(found.get("metadata.platform")!)).toEqual({ line: 2, column: 33 });
  });

  it("falls back to the nearest existing ancestor for absent values", () => {
    const found = locateJsonPaths(text, [["users", "0", "lastActiveAt"], ["backups", "runs"], ["users", "7"]]);
    const lines = new LineIndex(text);
    expect(lines.position(found.get("users.0.lastActiveAt")!)).toEqual({ line: 4, column: 5 });
    expect(lines.position(found.get("backups.runs")!)).toEqual({ line: 1, column: 1 });
    expect(lines.position(found.get("users.7")!)).toEqual({ line: 3, column: 3 });
  });

  it("agrees with a position-tracking parser on generated documents", () => {
    const key = fc.constantFrom("a", "b", "c\"q", "d\\\\", "é", "users");
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null)),
        fc.array(tie("v"), { maxLength: 4 }),
        fc.dictionary(key, tie("v"), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, fc.array(fc.array(fc.oneof(key, fc.constantFrom("0", "1", "2")), { maxLength: 4 }), { maxLength: 5 }), fc.boolean(), (doc, paths, pretty) => {
        const json = JSON.stringify(doc, null, pretty ? 2 : undefined);
        const found = locateJsonPaths(json, paths);
        for (const path of paths) {
          expect(found.get(path.join(".")), `${json} @ ${path.join(".")}`).toBe(referenceOffset(json, path));
        }
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
