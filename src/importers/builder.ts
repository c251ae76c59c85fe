// Building a snapshot and its provenance together, so that no importer can derive a value without saying
// which native key (or enclosing section, for a code default) it came from.

import type { Endpoint, Snapshot, SourceLocation, User } from "../snapshot/types.js";
import { isRecord, MAX_DEPTH, type NativeDocument, type NativePath } from "./native.js";
import type { ImportOptions, ImportResult, Importer } from "./types.js";

/** Where each part of an endpoint came from; parts left out fall back to `self`. */
export interface EndpointSources {
  /** The listener, section or key the endpoint as a whole stands for. */
  self: NativePath;
  url?: NativePath;
  exposure?: NativePath;
  kind?: NativePath;
  /** The key that decides whether TLS is on. */
  tls?: NativePath;
  minVersion?: NativePath;
  verifyCertificates?: NativePath;
}

export class SnapshotBuilder {
  readonly snapshot: Snapshot;
  readonly provenance = new Map<string, SourceLocation>();

  constructor(
    readonly doc: NativeDocument,
    platform: Importer["platform"],
    options: ImportOptions,
    name: { value: string | undefined; at?: NativePath },
    fallbackName: string,
  ) {
    this.snapshot = {
      apiVersion: "chataudit/v1",
      kind: "Snapshot",
      metadata: {
        name: options.name || name.value || fallbackName,
        platform,
        collectedAt: options.collectedAt,
        source: `import:${platform}`,
      },
    };
    this.provenance.set("", { path: doc.file, line: 1, column: 1 });
    if (!options.name && name.value && name.at) this.at("metadata.name", name.at);
  }

  /** Record that a snapshot path came from a native path (or an already known location). */
  at(snapshotPath: string, native: NativePath | SourceLocation, doc: NativeDocument = this.doc): void {
    this.provenance.set(snapshotPath, Array.isArray(native) ? doc.locate(native) : (native as SourceLocation));
  }

  /** Set a value at a dotted snapshot path ("retention.messages.maxAgeDays") and record where it came from. */
  set(snapshotPath: string, value: unknown, native: NativePath): void {
    const keys = snapshotPath.split(".");
    let target = this.snapshot as unknown as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      if (!isRecord(target[key])) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[keys[keys.length - 1]!] = value;
    this.at(snapshotPath, native);
  }

  /** Add an endpoint; every field it has gets a location. Returns its index. */
  endpoint(endpoint: Endpoint, sources: EndpointSources): number {
    // Certificate checks only exist on an encrypted connection: "not verified" on a plaintext one would be
    // a second finding for the same missing TLS.
    if (endpoint.tls?.enabled === false) delete endpoint.tls.verifyCertificates;
    const endpoints = (this.snapshot.endpoints ??= []);
    const index = endpoints.length;
    endpoints.push(endpoint);
    const base = `endpoints.${index}`;
    const self = sources.self;
    this.at(base, self);
    this.at(`${base}.name`, self);
    if (endpoint.url !== undefined) this.at(`${base}.url`, sources.url ?? self);
    if (endpoint.kind !== undefined) this.at(`${base}.kind`, sources.kind ?? self);
    if (endpoint.exposure !== undefined) this.at(`${base}.exposure`, sources.exposure ?? self);
    if (endpoint.tls) {
      const tls = sources.tls ?? self;
      this.at(`${base}.tls`, tls);
      if (endpoint.tls.enabled !== undefined) this.at(`${base}.tls.enabled`, tls);
      if (endpoint.tls.minVersion !== undefined) this.at(`${base}.tls.minVersion`, sources.minVersion ?? tls);
      if (endpoint.tls.verifyCertificates !== undefined) this.at(`${base}.tls.verifyCertificates`, sources.verifyCertificates ?? tls);
    }
    return index;
  }

  /** Add a user (an admin named in the config); the whole entry points at its list item. */
  user(user: User, native: NativePath): void {
    const users = (this.snapshot.users ??= []);
    const base = `users.${users.length}`;
    users.push(user);
    this.at(base, native);
  }

  /**
   * Attach the redacted native config as `settings`, each key located at its native key. `toNative` maps a
   * settings path to the native one where the two differ (Rocket.Chat's list of settings).
   */
  settings(redacted: Record<string, unknown>, toNative: (path: string[]) => NativePath = (p) => p): void {
    this.snapshot.settings = redacted;
    this.at("settings", []);
    const walk = (value: unknown, path: string[], depth: number): void => {
      if (depth > MAX_DEPTH || value === null || typeof value !== "object") return;
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (const [key, child] of entries) {
        // A key with a dot cannot be addressed by a dotted path; its location would never be asked for.
        if (key.includes(".")) continue;
        const childPath = [...path, key];
        this.at(`settings.${childPath.join(".")}`, toNative(childPath));
        walk(child, childPath, depth + 1);
      }
    };
    walk(redacted, [], 0);
  }

  result(): ImportResult {
    return { snapshot: this.snapshot, provenance: this.provenance };
  }
}
