// The precompiled release catalogue: the same catalogue as parsing data/releases.yaml, and never used once that file changes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLED_RELEASE_CATALOGUE, loadReleaseCatalogue, precompileBundledCatalogue, type ReleaseCatalogue } from "../../src/policy/catalogue.js";
import { sha256 } from "../../src/source/text.js";

interface Pack {
  format: number;
  sha256: string;
  catalogue: ReleaseCatalogue;
}

let dir: string;
let packFile: string;
let pack: Pack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "chataudit-catalogue-"));
  packFile = join(dir, "releases.json");
  await precompileBundledCatalogue(packFile);
  pack = JSON.parse(readFileSync(packFile, "utf8")) as Pack;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the pack with the catalogue date changed (so that its use shows), and whatever else `change` does. */
function tampered(name: string, change: (copy: Pack) => void = () => {}): string {
  const copy = structuredClone(pack);
  copy.catalogue.catalogueDate = "1999-01-01";
  change(copy);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(copy));
  return file;
}

describe("the precompiled release catalogue", () => {
  it("is the bundled YAML's catalogue, with the YAML's hash", async () => {
    expect(pack.sha256).toBe(sha256(readFileSync(BUNDLED_RELEASE_CATALOGUE)));
    const parsed = await loadReleaseCatalogue(undefined, false);
    expect(Object.keys(parsed.products).length).toBeGreaterThanOrEqual(5);
    expect(pack.catalogue).toStrictEqual(parsed);
    expect(await loadReleaseCatalogue(undefined, packFile)).toStrictEqual(parsed);
  });

  it("is what the loader uses while the YAML's hash matches", async () => {
    expect((await loadReleaseCatalogue(undefined, tampered("relabelled.json"))).catalogueDate).toBe("1999-01-01");
  });

  it("is ignored once the YAML has changed, and when missing or foreign", async () => {
    const parsed = await loadReleaseCatalogue(undefined, false);
    const stale = tampered("stale.json", (copy) => (copy.sha256 = "0".repeat(64)));
    const foreign = tampered("foreign.json", (copy) => (copy.format = 99));
    for (const file of [stale, foreign, join(dir, "missing.json")]) {
      expect(await loadReleaseCatalogue(undefined, file)).toStrictEqual(parsed);
    }
  });

  it("is never used for a catalogue named on the command line, even the bundled file", async () => {
    const named = await loadReleaseCatalogue(BUNDLED_RELEASE_CATALOGUE, tampered("named.json"));
    expect(named.catalogueDate).not.toBe("1999-01-01");
    expect(named.source).toBe(BUNDLED_RELEASE_CATALOGUE);
  });
});
