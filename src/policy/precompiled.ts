// The bundled pack as the build loaded and validated it (dist/policies.json), reused while every file is unchanged.

import { readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { BUILTIN_POLICIES_DIR, PACKAGE_ROOT } from "../paths.js";
import { sha256 } from "../source/text.js";
import type { LoadedPolicy } from "./types.js";

/** Written by `npm run build` (scripts/build-pack.js); absent in a source checkout that was never built. */
export const PRECOMPILED_PACK_FILE = join(PACKAGE_ROOT, "dist", "policies.json");

const FORMAT = 1;

export interface PrecompiledPolicy {
  /** The file, relative to the bundled policies folder, with "/" separators. */
  file: string;
  /** SHA-256 of the file's bytes when it was loaded. */
  sha256: string;
  loaded: LoadedPolicy;
}

export interface PrecompiledPack {
  format: typeof FORMAT;
  policies: PrecompiledPolicy[];
}

function packKey(file: string): string {
  return relative(BUILTIN_POLICIES_DIR, file).split(sep).join("/");
}

export function precompiledPack(entries: { file: string; bytes: Uint8Array; loaded: LoadedPolicy }[]): PrecompiledPack {
  return {
    format: FORMAT,
    policies: entries.map((e) => ({ file: packKey(e.file), sha256: sha256(e.bytes), loaded: e.loaded })),
  };
}

/**
 * The precompiled policies of these bundled files whose bytes still hash as they did at build time, by absolute
 * file. A file edited since (or added) is missing from the map and is parsed from its YAML as usual, so the pack
 * is never stale; an unreadable or foreign pack file yields an empty map. The files are read synchronously: some
 * fifty small reads each cost a thread-pool round trip or four otherwise, which was most of this function's time.
 */
export async function precompiledPolicies(files: string[], packFile = PRECOMPILED_PACK_FILE): Promise<Map<string, LoadedPolicy>> {
  const usable = new Map<string, LoadedPolicy>();
  let pack: PrecompiledPack;
  try {
    pack = JSON.parse(readFileSync(packFile, "utf8")) as PrecompiledPack;
  } catch {
    return usable;
  }
  if (pack?.format !== FORMAT || !Array.isArray(pack.policies)) return usable;
  const byKey = new Map(pack.policies.map((p) => [p.file, p]));
  for (const file of files) {
    const entry = byKey.get(packKey(file));
    if (!entry) continue;
    const bytes = readOrUndefined(file);
    if (bytes && sha256(bytes) === entry.sha256) usable.set(file, entry.loaded);
  }
  return usable;
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
