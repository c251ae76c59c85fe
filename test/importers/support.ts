// Shared by the importer tests: reading samples and fixtures, schema validation, locating lines by text.

import AjvModule from "ajv";
import addFormatsModule from "ajv-formats";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { InputError } from "../../src/errors.js";
import type { ImportResult, Importer, NativeFile } from "../../src/importers/types.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { FIXTURES, REPO, SHARED } from "../helpers.js";

export const SAMPLES = join(SHARED, "samples");
export const NATIVE = join(FIXTURES, "native");
export const COLLECTED_AT = "2026-06-01T00:00:00Z";

/** A file as the loader hands it over: shown relative to the repository. */
export function nativeFile(abs: string): NativeFile {
  const path = abs.startsWith(REPO) ? abs.slice(REPO.length + 1) : abs;
  return { path, text: readFileSync(abs, "utf8") };
}

export function sample(relative: string): NativeFile {
  return nativeFile(join(SAMPLES, relative));
}

export function fixture(relative: string): NativeFile {
  return nativeFile(join(NATIVE, relative));
}

export function run(importer: Importer, file: NativeFile): ImportResult {
  return importer.import(file, { collectedAt: COLLECTED_AT });
}

// ajv and ajv-formats are CommonJS: under NodeNext their exports sit on `.default`.
const ajv = new AjvModule.default({ allErrors: true, strict: true, allowUnionTypes: true });
addFormatsModule.default(ajv);
const validateSnapshot = ajv.compile(JSON.parse(readFileSync(join(REPO, "schemas", "snapshot.schema.json"), "utf8")) as object);

/** Fails the test with ajv's errors when the snapshot does not match schemas/snapshot.schema.json. */
export function expectValidSnapshot(snapshot: Snapshot): void {
  const ok = validateSnapshot(snapshot);
  expect(validateSnapshot.errors ?? [], JSON.stringify(validateSnapshot.errors)).toEqual([]);
  expect(ok).toBe(true);
}

/** 1-based line of the first line of a file that contains `needle` (after line `after`). */
export function lineOf(file: NativeFile, needle: string, after = 0): number {
  const lines = file.text.split("\n");
  const index = lines.findIndex((l, i) => i >= after && l.includes(needle));
  if (index === -1) throw new Error(`${needle} is not in ${file.path}`);
  return index + 1;
}

/** The line a snapshot path was imported from. */
export function lineAt(result: ImportResult, path: string): number | undefined {
  return result.provenance.get(path)?.line;
}

/** The endpoint with a name, failing the test when there is none. */
export function endpoint(result: ImportResult, name: string): { index: number; value: NonNullable<Snapshot["endpoints"]>[number] } {
  const endpoints = result.snapshot.endpoints ?? [];
  const index = endpoints.findIndex((e) => e.name === name);
  expect(index, `no endpoint "${name}" among ${endpoints.map((e) => e.name).join(", ")}`).toBeGreaterThanOrEqual(0);
  return { index, value: endpoints[index]! };
}

/** Runs `action`, expecting an InputError; returns it for further checks (one line, with a position). */
export function inputError(action: () => unknown): InputError {
  try {
    action();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const error = e as InputError;
    expect(error.message).not.toContain("\n");
    expect(error.where?.line).toBeGreaterThanOrEqual(1);
    return error;
  }
  throw new Error("expected an InputError, but nothing was thrown");
}
