// Fuzzing every importer's detection and import, users exports and deployment manifests with damaged real configs
// and documents of every shape: detection never throws, and an import gives a snapshot the schema accepts with
// locations in the file, or an InputError naming the file.

import fc from "fast-check";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectImporter, getImporter, importManifest, IMPORTERS } from "../../src/importers/index.js";
import { importUsersExport } from "../../src/importers/users.js";
import type { ImportResult, NativeFile } from "../../src/importers/types.js";
import { validatorFor } from "../../src/schema.js";
import { FIXTURES, SHARED } from "../helpers.js";
import { damaged, documentText, expectChatauditError, FUZZ } from "./arbitraries.js";

const COLLECTED_AT = "2026-06-01T00:00:00Z";
const validSnapshot = validatorFor("snapshot");

/** Every real config of a platform the repository holds: the shared samples and the native fixtures. */
function realConfigs(platform: string): string[] {
  const folders = [join(SHARED, "samples", platform), join(FIXTURES, "native", platform)].filter((f) => existsSync(f));
  return folders.flatMap((folder) =>
    readdirSync(folder)
      .filter((f) => !/users/.test(f))
      .map((f) => readFileSync(join(folder, f), "utf8")),
  ).filter((t) => t.length < 200_000);
}

function expectImported(result: ImportResult): void {
  expect(validSnapshot(result.snapshot), JSON.stringify(validSnapshot.errors)).toBe(true);
  for (const [key, at] of result.provenance) {
    expect(at.line, key).toBeGreaterThanOrEqual(1);
    expect(at.column, key).toBeGreaterThanOrEqual(1);
    expect(typeof at.path).toBe("string");
  }
}

describe.each(IMPORTERS.map((i) => i.platform))("the %s importer", (platform) => {
  const importer = getImporter(platform)!;
  const samples = realConfigs(platform);
  const content = fc.oneof(fc.constantFrom(...samples).chain((s) => damaged(s)), documentText(samples[0]));

  it("detects without throwing and imports or refuses with the file named, whatever the file holds", () => {
    let imported = 0;
    fc.assert(
      fc.property(content, (text) => {
        const file: NativeFile = { path: `fuzz/${platform}.conf`, text };
        detectImporter(file);
        try {
          expectImported(importer.import(file, { collectedAt: COLLECTED_AT }));
          imported += 1;
        } catch (e) {
          expectChatauditError(e, file.path);
        }
      }),
      { ...FUZZ, numRuns: 100 },
    );
    // Damaged real configs often still import: the property was checked on results, not only on refusals.
    expect(imported).toBeGreaterThan(5);
  });
});

describe("users exports and deployment manifests", () => {
  const exportsSamples = ["mattermost", "synapse", "rocketchat"].map((p) => {
    const folder = join(FIXTURES, "native", p);
    return readFileSync(join(folder, readdirSync(folder).find((f) => /users/.test(f))!), "utf8");
  });

  it("imports a users export or refuses it naming the file", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...exportsSamples).chain((s) => damaged(s)), documentText(exportsSamples[0])), (text) => {
        try {
          const result = importUsersExport({ path: "users.json", text });
          expect(Array.isArray(result.users)).toBe(true);
        } catch (e) {
          expectChatauditError(e, "users.json");
        }
      }),
      { ...FUZZ, numRuns: 100 },
    );
  });

  it("imports a manifest or refuses it at the manifest or the file it names", () => {
    const manifest = readFileSync(join(FIXTURES, "native", "deployment", "chat-prod.deployment.yaml"), "utf8");
    const base = join(FIXTURES, "native", "deployment");
    fc.assert(
      fc.property(fc.oneof(damaged(manifest), documentText(manifest)), (text) => {
        try {
          expectImported(importManifest({ path: "deployment/manifest.yaml", text }, base, { collectedAt: COLLECTED_AT }));
        } catch (e) {
          if (!(e instanceof Error) || !("where" in e)) throw e;
          // A problem in a referenced file names that file; anything else names the manifest.
          const where = (e as { where?: { file?: string } }).where?.file ?? "";
          expectChatauditError(e, where);
          expect(where.length).toBeGreaterThan(0);
        }
      }),
      { ...FUZZ, numRuns: 100 },
    );
  });
});
