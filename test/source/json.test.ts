import { describe, expect, it } from "vitest";
import { parseJson } from "../../src/source/json.js";

describe("JSON syntax errors", () => {
  it("name the line and column when V8 gives a position", () => {
    expect(() => parseJson('{\n  "a": 1,\n  "b": \n}', "s.json")).toThrow(expect.objectContaining({ where: expect.objectContaining({ file: "s.json", line: 4 }) }));
  });

  it("name the line where V8's message has no position (unexpected token)", () => {
    // Node 20: "Unexpected token '}', ... is not valid JSON" carries no position.
    expect(() => parseJson('{\n  "tool": {"name": "x"},\n  "findings": [ }\n', "r.json")).toThrow(
      expect.objectContaining({ where: expect.objectContaining({ file: "r.json", line: 3 }) }),
    );
  });

  it("never quote the text they failed on, whole or cut short", () => {
    for (const text of ['{"password": s3cret-canary}', '{"pw": s3cret}', `{"a": 1, "password": s3cret-canary-${"x".repeat(40)}}`]) {
      let message = "";
      try {
        parseJson(text, "c.json");
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^invalid JSON: /);
      expect(message).not.toContain("s3cret");
    }
  });
});
