// Reading inputs: the same text and sha256 whether the file is hashed here or on the thread pool.

import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSourceText } from "../../src/source/text.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const hex = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("readSourceText", () => {
  it("gives the bytes' sha256 and text for small files and for files hashed off this thread", async () => {
    for (const size of [10, 1024 * 1024 - 1, 1024 * 1024, 3 * 1024 * 1024 + 7]) {
      const bytes = Buffer.from(`\uFEFF{"caf\u00e9": "${"x".repeat(Math.max(0, size - 20))}"}\n`, "utf8");
      const source = await readSourceText(file(`f-${size}.json`, bytes), "shown.json");
      expect(source.sha256, `${size} bytes`).toBe(hex(bytes));
      expect(source.bytes).toBe(bytes.length);
      // The byte order mark is dropped; the rest is the text.
      expect(source.text).toBe(bytes.toString("utf8").slice(1));
      expect(source.path).toBe("shown.json");
    }
  });

  it("still places invalid UTF-8 in a large file, and leaves no digest failing unobserved", async () => {
    const bytes = Buffer.concat([Buffer.from(`{"a": "${"y".repeat(2 * 1024 * 1024)}",\n "b": "`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    await expect(readSourceText(file("bad.json", bytes), "bad.json")).rejects.toMatchObject({
      message: "invalid UTF-8: the file is binary or in another encoding",
      where: { file: "bad.json", line: 2, column: 8 },
    });
  });
});
