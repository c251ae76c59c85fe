// Report files written whole through a small reusable buffer: same bytes as the text, any size, any characters.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeAllAtomic, writeFileAtomic } from "../../src/cli/write.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-write-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writing report files", () => {
  it("writes text larger than the encoding buffer, with multi-byte characters on every boundary", async () => {
    // 4-byte emoji (surrogate pairs), 2- and 3-byte characters and ASCII, so pieces end mid-pair somewhere.
    const unit = "a\u00e9\u20ac\u{1F600}";
    const text = unit.repeat(400_000) + "end";
    const path = join(dir, "big.txt");
    await writeFileAtomic(path, text);
    expect(readFileSync(path).equals(Buffer.from(text, "utf8"))).toBe(true);
  });

  it("joins chunks, even when a surrogate pair is split between two of them", async () => {
    const emoji = "\u{1F600}";
    const chunks = ["x", emoji[0]!, emoji[1]!, "", "y".repeat(1_000_003), emoji];
    const path = join(dir, "chunks.txt");
    await writeFileAtomic(path, chunks);
    expect(readFileSync(path, "utf8")).toBe(chunks.join(""));
  });

  it("keeps a lone surrogate as U+FFFD, as the text encoder always did", async () => {
    const path = join(dir, "lone.txt");
    await writeFileAtomic(path, ["a\ud800"]);
    expect(readFileSync(path)).toEqual(Buffer.from("a\ud800", "utf8"));
  });

  it("writes empty files and leaves no temporary file behind", async () => {
    await writeAllAtomic([{ path: join(dir, "empty.txt"), content: "" }, { path: join(dir, "none.txt"), content: [] }]);
    expect(readFileSync(join(dir, "empty.txt"), "utf8")).toBe("");
    expect(readFileSync(join(dir, "none.txt"), "utf8")).toBe("");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("leaves the previous file in place when rendering fails part-way", async () => {
    const path = join(dir, "kept.txt");
    await writeFileAtomic(path, "previous");
    function* failing(): Generator<string> {
      yield "partial";
      throw new Error("renderer broke");
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow();
    expect(readFileSync(path, "utf8")).toBe("previous");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
