// The deployment manifest: one native config + the platform's users export + the installed version + a
// partial snapshot of organisational facts (backups, reviews, audits...), merged into one snapshot whose
// every value points at the file and line it came from.

import { readFileSync, statSync } from "node:fs";
import { isAbsolute, posix, resolve } from "node:path";
import { InputError } from "../errors.js";
import { schemaProblems, validatorFor } from "../schema.js";
import { mapProvenance } from "../snapshot/provenance.js";
import type { Snapshot, SourceLocation, User } from "../snapshot/types.js";
import { decodeSource, DEFAULT_MAX_FILE_BYTES, describeFsError, formatBytes, notARegularFile } from "../source/text.js";
import { isRecord, MAX_DEPTH, NativeReader, parseStructuredDocument, type NativeDocument, type NativePath } from "./native.js";
import { importUsersExport } from "./users.js";
import type { ImportOptions, ImportResult, Importer, NativeFile } from "./types.js";

const EXPECTED = "a chataudit deployment manifest (apiVersion: chataudit/v1, kind: Deployment)";
const MANIFEST_KEYS = ["apiVersion", "kind", "metadata", "platform", "config", "users", "version", "snapshot"];
const METADATA_KEYS = ["name", "environment", "collectedAt"];
/** Manifest `version` keys and the software fields they fill. */
const VERSION_FIELDS: Record<string, string> = {
  installed: "version",
  installedAt: "installedAt",
  latest: "latestVersion",
  autoUpdate: "autoUpdate",
  supportEndsAt: "supportEndsAt",
};
/** What a partial snapshot may not override: they describe the import itself. */
const FIXED_SNAPSHOT_KEYS = new Set(["apiVersion", "kind"]);

/** Whether a parsed document is a deployment manifest. */
export function isManifest(value: unknown): boolean {
  return isRecord(value) && value.apiVersion === "chataudit/v1" && value.kind === "Deployment";
}

/** The importers the manifest can use, passed in so that this module and the registry do not import each other. */
export interface ImporterLookup {
  getImporter(platform: string): Importer | undefined;
  detectImporter(file: NativeFile): Importer | undefined;
  platforms: readonly string[];
}

/** A file the manifest refers to: read relative to the manifest, shown relative to where the manifest is shown. */
function readReferenced(manifest: NativeDocument, baseDir: string, key: NativePath, ref: string): NativeFile {
  const shownDir = posix.dirname(manifest.file.split("\\").join("/"));
  const shown = isAbsolute(ref) ? ref : posix.normalize(posix.join(shownDir, ref.split("\\").join("/")));
  const at = manifest.locate(key);
  const where = { file: at.path, line: at.line, column: at.column };
  const abs = resolve(baseDir, ref);
  let buffer: Buffer;
  try {
    const stat = statSync(abs);
    const notAFile = notARegularFile(stat);
    if (notAFile) throw new InputError(`\`${key.join(".")}\` names ${ref}, which ${notAFile}`, where);
    if (stat.size > DEFAULT_MAX_FILE_BYTES) throw new InputError(`\`${key.join(".")}\`: ${ref} is ${formatBytes(stat.size)}, larger than the limit of ${formatBytes(DEFAULT_MAX_FILE_BYTES)}`, where);
    buffer = readFileSync(abs);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read \`${key.join(".")}\` file ${ref}: ${describeFsError(e)}`, where);
  }
  return { path: shown, text: decodeSource(buffer, shown).text };
}

function checkKeys(r: NativeReader, path: NativePath, allowed: string[]): void {
  for (const key of Object.keys(r.map(path))) {
    if (!allowed.includes(key)) {
      const at = r.doc.locate([...path, key]);
      throw new InputError(`unknown field \`${[...path, key].join(".")}\` in the manifest; expected one of: ${allowed.join(", ")}`, { file: at.path, line: at.line, column: at.column });
    }
  }
}

/**
 * Import a deployment manifest. `baseDir` is the folder the manifest is in on disk; the paths it names are
 * relative to it. The result validates against the snapshot schema or an InputError says where it fails.
 */
export function importDeploymentManifest(file: NativeFile, baseDir: string, options: ImportOptions, importers: ImporterLookup): ImportResult & { sources: string[] } {
  const doc = parseStructuredDocument(file, EXPECTED);
  if (!isManifest(doc.root)) throw new InputError(`expected ${EXPECTED}`, { file: file.path, line: 1, column: 1 });
  const r: NativeReader = new NativeReader(doc);
  checkKeys(r, [], MANIFEST_KEYS);
  checkKeys(r, ["metadata"], METADATA_KEYS);
  checkKeys(r, ["version"], Object.keys(VERSION_FIELDS));
  const sources = [file.path];
  const name = options.name || r.str(["metadata", "name"]);
  const collectedAt = r.str(["metadata", "collectedAt"], options.collectedAt);
  const importOptions: ImportOptions = { collectedAt, ...(name ? { name } : {}) };

  // The platform config, or a bare snapshot when the manifest only brings exports and facts.
  const platform = r.str(["platform"]);
  if (platform !== undefined && !importers.getImporter(platform)) r.fail(["platform"], `one of ${importers.platforms.join(", ")}`);
  const configRef = r.str(["config"]);
  let result: ImportResult;
  if (configRef) {
    const config = readReferenced(doc, baseDir, ["config"], configRef);
    sources.push(config.path);
    const importer = platform ? importers.getImporter(platform)! : importers.detectImporter(config);
    if (!importer) {
      const at = doc.locate(["config"]);
      throw new InputError(`cannot tell which platform ${configRef} is for; add \`platform:\` (${importers.platforms.join(", ")})`, { file: at.path, line: at.line, column: at.column });
    }
    result = importer.import(config, importOptions);
  } else {
    if (!platform) r.fail(["platform"], "a platform name (the manifest has no config to detect it from)");
    result = {
      snapshot: { apiVersion: "chataudit/v1", kind: "Snapshot", metadata: { name: name || "deployment", platform, collectedAt, source: `manifest:${platform}` } },
      provenance: new Map([["", doc.locate([])]]),
    };
  }
  const { snapshot, provenance } = result;
  provenance.set("", doc.locate([]));
  if (r.has(["metadata", "name"]) && !options.name) provenance.set("metadata.name", doc.locate(["metadata", "name"]));
  const environment = r.str(["metadata", "environment"]);
  if (environment) {
    snapshot.metadata.environment = environment;
    provenance.set("metadata.environment", doc.locate(["metadata", "environment"]));
  }

  const usersRef = r.str(["users"]);
  if (usersRef) {
    const usersFile = readReferenced(doc, baseDir, ["users"], usersRef);
    sources.push(usersFile.path);
    mergeUsersExport(snapshot, provenance, importUsersExport(usersFile));
  }

  for (const [key, field] of Object.entries(VERSION_FIELDS)) {
    const path = ["version", key];
    if (!r.has(path)) continue;
    // A version written unquoted (10.10) is a YAML number; its text is the version.
    const value = field === "autoUpdate" ? r.bool(path, false) : typeof r.get(path) === "number" ? (doc.scalarSource?.(path) ?? r.str(path)!) : r.str(path)!;
    snapshot.software = { ...(snapshot.software ?? {}), [field]: value };
    provenance.set(`software.${field}`, doc.locate(path));
  }

  const extra = r.get(["snapshot"]);
  if (typeof extra === "string") {
    const extraFile = readReferenced(doc, baseDir, ["snapshot"], extra);
    sources.push(extraFile.path);
    const extraDoc = parseStructuredDocument(extraFile, "a partial chataudit snapshot (YAML or JSON mapping)");
    mergePartialSnapshot(snapshot, provenance, extraDoc, []);
  } else if (extra !== undefined && extra !== null) {
    if (!isRecord(extra)) r.fail(["snapshot"], "a file name or a mapping of snapshot fields");
    mergePartialSnapshot(snapshot, provenance, doc, ["snapshot"]);
  }

  validate(snapshot, provenance, file.path);
  return { snapshot, provenance, sources };
}

/** Same person: same id, or same username. */
function findUser(users: User[], probe: { id?: unknown; username?: unknown }): number {
  return users.findIndex((u) => (typeof probe.id === "string" && u.id === probe.id) || (typeof probe.username === "string" && u.username !== undefined && u.username === probe.username));
}

/** Move every provenance entry under `from` ("users.3") to `to` ("users.7"). */
function moveProvenance(source: Map<string, SourceLocation>, from: string, target: Map<string, SourceLocation>, to: string): void {
  for (const [path, at] of source) {
    if (path === from || path.startsWith(`${from}.`)) target.set(to + path.slice(from.length), at);
  }
}

/**
 * Users from the export join those the config named (ejabberd and Prosody admins): the same account is
 * merged, its roles united; others are appended.
 */
function mergeUsersExport(snapshot: Snapshot, provenance: Map<string, SourceLocation>, exported: ReturnType<typeof importUsersExport>): void {
  // The export lists every account: `users` is no longer the config's admins alone.
  delete snapshot.metadata.usersListed;
  provenance.delete("metadata.usersListed");
  const users = (snapshot.users ??= []);
  exported.users.forEach((user, i) => {
    const index = findUser(users, user);
    if (index === -1) {
      moveProvenance(exported.provenance, `users.${i}`, provenance, `users.${users.length}`);
      users.push(user);
      return;
    }
    const existing = users[index]!;
    const roles = [...new Set([...(existing.roles ?? []), ...(user.roles ?? [])])];
    users[index] = { ...existing, ...user, roles };
    moveProvenance(exported.provenance, `users.${i}`, provenance, `users.${index}`);
  });
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Record a location for a value and everything inside it. */
function locateTree(provenance: Map<string, SourceLocation>, doc: NativeDocument, snapshotPath: string, nativePath: NativePath, value: unknown, depth = 0): void {
  provenance.set(snapshotPath, doc.locate(nativePath));
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, child] of entries) locateTree(provenance, doc, `${snapshotPath}.${key}`, [...nativePath, key], child, depth + 1);
}

/**
 * Merge a partial snapshot over the import: mappings merge key by key, lists and values replace, except
 * `users`, whose entries update the user with the same id or username (employment, mfa...) or are added.
 */
function mergePartialSnapshot(snapshot: Snapshot, provenance: Map<string, SourceLocation>, doc: NativeDocument, base: NativePath): void {
  const r: NativeReader = new NativeReader(doc);
  const partial = r.get(base);
  if (!isRecord(partial)) r.fail(base, "a mapping of snapshot fields (backups, accessReviews, audit, users...)");
  const target = snapshot as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(partial)) {
    if (FIXED_SNAPSHOT_KEYS.has(key)) continue;
    if (key === "users") {
      mergeUsers(snapshot, provenance, r, [...base, "users"]);
      continue;
    }
    if (key === "metadata") {
      if (!isRecord(value)) r.fail([...base, key], "a mapping");
      for (const [field, v] of Object.entries(value)) {
        // The platform is what was imported; a partial snapshot cannot relabel it.
        if (field === "platform") continue;
        setOwn(snapshot.metadata as unknown as Record<string, unknown>, field, v);
        locateTree(provenance, doc, `metadata.${field}`, [...base, key, field], v);
      }
      continue;
    }
    mergeValue(target, key, value, provenance, doc, key, [...base, key], 0);
  }
}

function mergeValue(target: Record<string, unknown>, key: string, value: unknown, provenance: Map<string, SourceLocation>, doc: NativeDocument, snapshotPath: string, nativePath: NativePath, depth: number): void {
  const current = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
  if (isRecord(value) && isRecord(current) && depth < MAX_DEPTH) {
    provenance.set(snapshotPath, doc.locate(nativePath));
    for (const [k, v] of Object.entries(value)) mergeValue(current, k, v, provenance, doc, `${snapshotPath}.${k}`, [...nativePath, k], depth + 1);
    return;
  }
  // A replaced list or mapping must not keep locations of what it replaced.
  for (const path of [...provenance.keys()]) if (path.startsWith(`${snapshotPath}.`)) provenance.delete(path);
  setOwn(target, key, value);
  locateTree(provenance, doc, snapshotPath, nativePath, value);
}

function mergeUsers(snapshot: Snapshot, provenance: Map<string, SourceLocation>, r: NativeReader, path: NativePath): void {
  const users = (snapshot.users ??= []);
  r.list(path).forEach((entry, i) => {
    const at = [...path, i];
    if (!isRecord(entry)) r.fail(at, "a user mapping (id or username, and the fields to set)");
    let index = findUser(users, entry);
    const added = index === -1;
    if (added) {
      if (typeof entry.id !== "string") {
        const where = r.doc.locate(at);
        const who = typeof entry.username === "string" ? `no user named ${JSON.stringify(entry.username)} was imported` : "a new user needs an id";
        throw new InputError(`\`${at.join(".")}\`: ${who}; give an id to add a user`, { file: where.path, line: where.line, column: where.column });
      }
      index = users.length;
      users.push({ id: entry.id });
    }
    const user = users[index] as unknown as Record<string, unknown>;
    // An imported user stays located at its record in the export; only a new one is located here.
    if (added) provenance.set(`users.${index}`, r.doc.locate(at));
    for (const [field, value] of Object.entries(entry)) {
      // The keys that matched the user say nothing new.
      if ((field === "id" || field === "username") && user[field] === value && !added) continue;
      mergeValue(user, field, value, provenance, r.doc, `users.${index}.${field}`, [...at, field], 1);
    }
  });
}

/** The merged snapshot must be valid; a problem is reported where the offending value was written. */
function validate(snapshot: Snapshot, provenance: Map<string, SourceLocation>, file: string): void {
  const check = validatorFor("snapshot");
  if (check(snapshot)) return;
  const problem = schemaProblems(check.errors)[0]!;
  const path = problem.path.join(".");
  const where = mapProvenance(provenance, file).locate([path]).get(path)!;
  throw new InputError(problem.message, { file: where.path, line: where.line, column: where.column });
}
