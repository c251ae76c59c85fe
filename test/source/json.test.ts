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

describe("JSON syntax errors V8 reports by quoting the text around them", () => {
  const where = (text: string) => {
    try {
      parseJson(text, "t.json");
    } catch (e) {
      return (e as { where?: { line?: number; column?: number } }).where;
    }
    throw new Error("parsed");
  };

  it("are placed on the offending token, also where YAML would have read the text as valid", () => {
    // YAML reads `Snapshot` as a plain string, so the fallback alone pointed at the end of the file (5:1).
    expect(where('{\n  "apiVersion": "chataudit/v1",\n  "kind": Snapshot\n}\n')).toMatchObject({ line: 3, column: 11 });
    expect(where('{"a": tru}')).toMatchObject({ line: 1, column: 10 });
    expect(where("[1, 2, x]")).toMatchObject({ line: 1, column: 8 });
    expect(where('{"}": }')).toMatchObject({ line: 1, column: 7 });
    const long = `{"k": "${"y".repeat(100)}",\n "b": nope, "c": "${"z".repeat(100)}"}`;
    expect(where(long)).toMatchObject({ line: 2, column: 8 });
  });

  it("find the right one of several places the quoted text fits", () => {
    // The ten characters either side of the error also stand earlier, inside a string; YAML reads the whole text.
    const text = '["x, 9, 10, nope, 1, 2, x", 9, 10, nope, 1, 2, 3]';
    // The "o" of the second nope: V8 reads "n" as the start of null.
    expect(where(text)).toMatchObject({ line: 1, column: text.lastIndexOf("nope") + 2 });
  });
});
