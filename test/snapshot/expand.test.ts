// Which files a scanned folder contributes: the snapshot and config extensions, at any depth, and nothing
// hidden, under node_modules, or reached through a link to a folder.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expandInputs } from "../../src/snapshot/load.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-expand-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function touch(...parts: string[]): void {
  mkdirSync(join(dir, ...parts.slice(0, -1)), { recursive: true });
  writeFileSync(join(dir, ...parts), "{}");
}

describe("expanding a folder", () => {
  it("finds json, yaml, yml and lua files at any depth and skips hidden entries, node_modules and links to folders", async () => {
    touch("tree", "a.json");
    touch("tree", "b.yaml");
    touch("tree", "deep", "er", "c.yml");
    touch("tree", "prosody.cfg.lua");
    touch("tree", "notes.txt");
    touch("tree", "UPPER.JSON");
    touch("tree", "yaml");
    touch("tree", ".hidden.json");
    touch("tree", ".git", "config.json");
    touch("tree", ".cache", "d.json");
    touch("tree", "node_modules", "pkg", "package.json");
    touch("tree", "deep", "node_modules", "e.json");
    touch("elsewhere", "f.json");
    symlinkSync(join(dir, "elsewhere"), join(dir, "tree", "linked-folder"));
    symlinkSync(join(dir, "elsewhere"), join(dir, "tree", "folder-named.json"));
    symlinkSync(join(dir, "elsewhere", "f.json"), join(dir, "tree", "linked-file.json"));
    symlinkSync("nowhere.json", join(dir, "tree", "dangling.json"));

    const { candidates, warnings, failures } = await expandInputs(["tree"], { asOf: "2026-06-01T00:00:00Z", root: dir });
    expect(failures).toEqual([]);
    expect(warnings).toEqual([]);
    // Sorted by shown path; a dangling link is kept so that loading it can warn about it.
    expect(candidates.map((c) => c.shown)).toEqual([
      "tree/a.json",
      "tree/b.yaml",
      "tree/dangling.json",
      "tree/deep/er/c.yml",
      "tree/linked-file.json",
      "tree/prosody.cfg.lua",
    ]);
    expect(candidates.every((c) => c.discovered)).toBe(true);
    expect(candidates[0]!.abs).toBe(join(dir, "tree", "a.json"));
  });

  it("warns about a folder with no input files in it", async () => {
    touch("empty-ish", "readme.md");
    const { candidates, warnings } = await expandInputs(["empty-ish"], { asOf: "2026-06-01T00:00:00Z", root: dir });
    expect(candidates).toEqual([]);
    expect(warnings).toEqual(["empty-ish: no snapshot or config files (*.json, *.yaml, *.yml, *.lua) in this folder"]);
  });
});
