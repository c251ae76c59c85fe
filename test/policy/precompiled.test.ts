// The precompiled bundled pack: same policies as parsing the YAML, never used for a file changed since the build; its file listing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundledPolicyFiles, loadPolicies, precompileBundledPack } from "../../src/policy/load.js";
import { precompiledPolicies, type PrecompiledPack } from "../../src/policy/precompiled.js";
import { BUILTIN_POLICIES_DIR } from "../../src/paths.js";

let dir: string;
let packFile: string;
let pack: PrecompiledPack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "chataudit-pack-"));
  packFile = join(dir, "policies.json");
  expect(await precompileBundledPack(packFile)).toEqual([]);
  pack = JSON.parse(readFileSync(packFile, "utf8")) as PrecompiledPack;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the pack with one entry changed, written next to it. */
function tampered(name: string, change: (entry: PrecompiledPack["policies"][number]) => void): string {
  const copy = structuredClone(pack);
  change(copy.policies[0]!);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(copy));
  return file;
}

describe("the precompiled bundled pack", () => {
  it("holds every bundled policy, each with its file's hash", async () => {
    expect(pack.policies.length).toBeGreaterThanOrEqual(50);
    const files = pack.policies.map((p) => join(BUILTIN_POLICIES_DIR, p.file));
    expect((await precompiledPolicies(files, packFile)).size).toBe(pack.policies.length);
  });

  it("gives exactly the policies that parsing the YAML gives", async () => {
    const parsed = await loadPolicies({ precompiled: false });
    const precompiled = await loadPolicies({ precompiled: packFile });
    expect(parsed.errors).toEqual([]);
    expect(precompiled.errors).toEqual([]);
    expect(precompiled.policies).toStrictEqual(parsed.policies);
  });

  it("is what the loader uses while the file's hash still matches", async () => {
    const file = tampered("relabelled.json", (entry) => (entry.loaded.policy.title = "taken from the pack"));
    const { policies } = await loadPolicies({ precompiled: file });
    expect(policies.find((p) => p.policy.id === pack.policies[0]!.loaded.policy.id)!.policy.title).toBe("taken from the pack");
  });

  it("is ignored for a policy file whose content changed since the build", async () => {
    const file = tampered("stale.json", (entry) => {
      entry.sha256 = "0".repeat(64);
      entry.loaded.policy.title = "stale";
    });
    const [parsed, loaded] = await Promise.all([loadPolicies({ precompiled: false }), loadPolicies({ precompiled: file })]);
    expect(loaded.policies.map((p) => p.policy.title)).not.toContain("stale");
    expect(loaded.policies).toStrictEqual(parsed.policies);
    const files = pack.policies.map((p) => join(BUILTIN_POLICIES_DIR, p.file));
    expect((await precompiledPolicies(files, file)).has(files[0]!)).toBe(false);
  });

  it("falls back to the YAML when the pack file is missing or foreign", async () => {
    const foreign = join(dir, "foreign.json");
    writeFileSync(foreign, JSON.stringify({ format: 99, policies: pack.policies }));
    const files = pack.policies.map((p) => join(BUILTIN_POLICIES_DIR, p.file));
    expect((await precompiledPolicies(files, join(dir, "missing.json"))).size).toBe(0);
    expect((await precompiledPolicies(files, foreign)).size).toBe(0);
  });
});

describe("the bundled pack's files", () => {
  it("are listed as glob lists them, without loading glob", async () => {
    const { glob } = await import("glob");
    const globbed = await glob("**/*.{yaml,yml}", { cwd: BUILTIN_POLICIES_DIR, absolute: true, nodir: true, follow: false });
    const listed = bundledPolicyFiles();
    expect(listed.length).toBeGreaterThanOrEqual(50);
    expect(listed.sort()).toEqual(globbed.sort());
  });

  it("skip hidden entries and files of other kinds, as glob does", async () => {
    const root = mkdtempSync(join(tmpdir(), "chataudit-listing-"));
    try {
      for (const file of ["a/one.yaml", "a/b/two.yml", "a/notes.md", ".hidden/three.yaml", "a/.four.yaml", "five.YAML.bak"]) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), "id: x\n");
      }
      const { glob } = await import("glob");
      const globbed = await glob("**/*.{yaml,yml}", { cwd: root, absolute: true, nodir: true, follow: false });
      expect(bundledPolicyFiles(root).sort()).toEqual(globbed.sort());
      expect(bundledPolicyFiles(root).map((f) => relative(root, f)).sort()).toEqual(["a/b/two.yml", "a/one.yaml"]);
      expect(bundledPolicyFiles(join(root, "missing"))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
