// Provenance from a path -> location map, with nearest-ancestor lookup, and in-memory snapshots.

import type { LoadedSnapshot, Provenance, Snapshot, SourceLocation } from "./types.js";

/** Nearest-ancestor lookup over a path -> location map (importers fill it). */
export function mapProvenance(map: Map<string, SourceLocation>, fallbackFile: string): Provenance {
  return {
    locate(paths) {
      const out = new Map<string, SourceLocation>();
      for (const path of paths) {
        let p = path;
        let found = map.get(p);
        while (!found && p !== "") {
          const cut = p.lastIndexOf(".");
          p = cut === -1 ? "" : p.slice(0, cut);
          found = map.get(p);
        }
        out.set(path, found ?? { path: fallbackFile, line: 1, column: 1 });
      }
      return out;
    },
  };
}

/** A snapshot built in memory (policy examples, tests): positions point at the given label, line 1. */
export function inMemorySnapshot(snapshot: Snapshot, label: string): LoadedSnapshot {
  return {
    snapshot,
    path: label,
    sha256: "",
    provenance: mapProvenance(new Map(), label),
    platform: snapshot.metadata.platform,
  };
}
