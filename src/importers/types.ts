// The contract every platform importer fulfils: native config (+ exports) in, normalized snapshot out.

import type { Snapshot, SourceLocation } from "../snapshot/types.js";

/** One native file as read from disk. */
export interface NativeFile {
  /** Path as it should appear in reports (relative to the scan root where possible). */
  path: string;
  text: string;
}

export interface ImportResult {
  snapshot: Snapshot;
  /**
   * Where each derived value came from: dotted snapshot path ("endpoints.2.tls.enabled",
   * "retention.messages") -> native file location. A value derived from an absent key (a code
   * default) maps to the enclosing section's location.
   */
  provenance: Map<string, SourceLocation>;
}

export interface ImportOptions {
  /** Snapshot name; default derived from the config (server name, site URL) or the file name. */
  name?: string;
  /** Collection time to record (metadata.collectedAt); default: the file's mtime as given by the caller. */
  collectedAt: string;
}

export interface Importer {
  platform: "mattermost" | "synapse" | "rocketchat" | "ejabberd" | "prosody";
  /** Whether a file looks like this platform's native config or export (content-based). */
  detect(file: NativeFile): boolean;
  /** Parse and normalise. Throws InputError with file/line/column on malformed input. */
  import(file: NativeFile, options: ImportOptions): ImportResult;
}
