// Loading inputs: files, folders and globs of snapshots (YAML/JSON) or native platform configs,
// each with the provenance findings need. A broken input is recorded, never fatal to the others.

import { promises as fs, readdirSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { shownPath } from "../paths.js";
import { InputError, isChatauditError, type ChatauditError } from "../errors.js";
import { byCodeUnits } from "../order.js";
import type { ImportResult } from "../importers/types.js";
import { schemaProblems, validatorFor } from "../schema.js";
import { locateJsonPaths } from "../source/json-locate.js";
import { parseJson } from "../source/json.js";
import { DEFAULT_MAX_FILE_BYTES, describeFsError, positionsAt, readSourceText, type SourceText } from "../source/text.js";
import { MAX_NESTING, nestedDeeperThan } from "../source/depth.js";
import { parseYaml, positionAtPath, type ParsedYaml } from "../source/yaml.js";
import { mapProvenance } from "./provenance.js";
import type { LoadedSnapshot, Provenance, Snapshot, SourceLocation } from "./types.js";

export const PLATFORMS = ["auto", "snapshot", "mattermost", "synapse", "ejabberd", "rocketchat", "prosody"] as const;
export type PlatformChoice = (typeof PLATFORMS)[number];

export interface LoadOptions {
  platform?: PlatformChoice;
  /** Recorded as collectedAt for imported configs that carry no time of their own. */
  asOf: string;
  maxFileBytes?: number;
  /** Base for display paths (default: cwd). */
  root?: string;
}

export interface InputFailure {
  path: string;
  sha256?: string;
  error: ChatauditError;
}

export interface LoadedInputs {
  snapshots: LoadedSnapshot[];
  failures: InputFailure[];
  warnings: string[];
}

/** The files a folder is searched for. */
const INPUT_FILE = /\.(?:json|ya?ml|lua)$/;

/**
 * The input files under a folder, as glob("**\/*.{json,yaml,yml,lua}") with nodir, dot: false, follow: false and
 * node_modules ignored would find them, in about a fifth of the time (2,000 files: 15 ms against 95 ms with glob's
 * loading). No hidden entry; links to folders are not followed, so a link back up the tree cannot loop; a link that
 * leads nowhere, or round in a circle, is kept for the loader to warn about. A folder that cannot be listed is
 * passed over, as glob does.
 */
function inputFilesUnder(folder: string, out: string[] = []): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith(".")) continue;
    const path = join(folder, name);
    if (entry.isDirectory()) {
      if (name !== "node_modules") inputFilesUnder(path, out);
    } else if (INPUT_FILE.test(name) && !(entry.isSymbolicLink() && linksToFolder(path))) {
      out.push(path);
    }
  }
  return out;
}

function linksToFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export interface Candidate {
  abs: string;
  shown: string;
  /** Found by expanding a folder or glob rather than named explicitly. */
  discovered: boolean;
}

const display = shownPath;

type Importers = typeof import("../importers/index.js");
let importersModule: Promise<Importers> | undefined;
/** The importers (and luaparse, and every platform's rules) are loaded only when an input is not a snapshot. */
function importers(): Promise<Importers> {
  return (importersModule ??= import("../importers/index.js"));
}

/** Expand files, folders and globs into a sorted, de-duplicated list of candidate files. */
async function expand(patterns: string[], root: string, warnings: string[], failures: InputFailure[]): Promise<Candidate[]> {
  // Loaded only for a folder or a pattern: worker threads, and a scan of named files, never need it.
  const globModule = () => import("glob");
  const out = new Map<string, Candidate>();
  for (const pattern of patterns) {
    const abs = resolve(root, pattern);
    let stat: import("node:fs").Stats | null = null;
    try {
      stat = await fs.stat(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        failures.push({ path: display(abs, root), error: new InputError(describeFsError(e), { file: display(abs, root) }) });
        continue;
      }
    }
    if (stat?.isDirectory()) {
      const found = inputFilesUnder(abs);
      if (found.length === 0) warnings.push(`${display(abs, root)}: no snapshot or config files (*.json, *.yaml, *.yml, *.lua) in this folder`);
      for (const f of found) if (!out.has(f)) out.set(f, { abs: f, shown: display(f, root), discovered: true });
    } else if (stat) {
      out.set(abs, { abs, shown: display(abs, root), discovered: false });
    } else {
      const { glob, hasMagic } = await globModule();
      const found = await glob(pattern, { cwd: root, absolute: true, nodir: true, follow: false });
      if (found.length === 0) {
        failures.push({ path: pattern, error: new InputError("no such file, folder or matching files", { file: pattern }) });
      }
      // A path without wildcards that stat could not follow (a dangling link) was named, not found in a folder.
      const discovered = hasMagic(pattern);
      for (const f of found) if (!out.has(f)) out.set(f, { abs: f, shown: display(f, root), discovered });
    }
  }
  return [...out.values()].sort((a, b) => byCodeUnits(a.shown, b.shown));
}

/** The inputs a scan names, expanded: what to load, and what already went wrong finding them. */
export interface ExpandedInputs {
  root: string;
  candidates: Candidate[];
  failures: InputFailure[];
  warnings: string[];
}

export async function expandInputs(patterns: string[], options: LoadOptions): Promise<ExpandedInputs> {
  const root = options.root ?? process.cwd();
  const warnings: string[] = [];
  const failures: InputFailure[] = [];
  const candidates = await expand(patterns, root, warnings, failures);
  return { root, candidates, failures, warnings };
}

/** What became of one candidate file. */
export type CandidateLoad =
  | { kind: "snapshot"; snapshot: LoadedSnapshot; sources?: string[] }
  | { kind: "unrecognised" }
  | { kind: "warning"; warning: string }
  | { kind: "failure"; failure: InputFailure };

/** Load one candidate; never throws for a bad input, returns its failure instead. */
export async function loadCandidate(candidate: Candidate, options: LoadOptions, root: string): Promise<CandidateLoad> {
  let source: SourceText | undefined;
  try {
    source = await readSourceText(candidate.abs, candidate.shown, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    const loaded = await loadSource(source, candidate, options, root);
    if (loaded === "unrecognised") return { kind: "unrecognised" };
    return { kind: "snapshot", snapshot: loaded.snapshot, ...(loaded.sources ? { sources: loaded.sources } : {}) };
  } catch (e) {
    const error = isChatauditError(e)
      ? e
      : new InputError(`cannot load: ${(e as Error)?.message ?? String(e)}`, { file: candidate.shown });
    // Found in a folder but not readable as a file (no permission, a symlink loop or a dangling link, a FIFO):
    // skipped with a warning, as `find` would; named on the command line, it is an error.
    if (candidate.discovered && !source && /permission denied|symbolic links|no such file|pipe, socket or device/.test(error.message)) {
      return { kind: "warning", warning: `${candidate.shown}: skipped, ${error.message}` };
    }
    return { kind: "failure", failure: { path: candidate.shown, sha256: source?.sha256, error } };
  }
}

/** The one warning about files in folders that were neither snapshots nor configs (nor read by a manifest). */
export function skippedWarning(skipped: readonly Candidate[], referenced: ReadonlySet<string>): string | undefined {
  const unread = skipped.filter((s) => !referenced.has(s.abs)).map((s) => s.shown);
  if (unread.length === 0) return undefined;
  const shown = unread.slice(0, 5).join(", ") + (unread.length > 5 ? `, and ${unread.length - 5} more` : "");
  return `skipped ${unread.length} file(s) found in folders that are not snapshots, deployment manifests or platform configs: ${shown}`;
}

/** Load every input; broken ones become failures with file, line and column, the rest still load. */
export async function loadInputs(patterns: string[], options: LoadOptions): Promise<LoadedInputs> {
  const { root, candidates, failures, warnings } = await expandInputs(patterns, options);
  const snapshots: LoadedSnapshot[] = [];
  const skipped: Candidate[] = [];
  const referenced = new Set<string>();
  for (const candidate of candidates) {
    const outcome = await loadCandidate(candidate, options, root);
    if (outcome.kind === "unrecognised") skipped.push(candidate);
    else if (outcome.kind === "warning") warnings.push(outcome.warning);
    else if (outcome.kind === "failure") failures.push(outcome.failure);
    else {
      for (const f of outcome.sources ?? []) referenced.add(resolve(root, f));
      snapshots.push(outcome.snapshot);
    }
  }
  const skippedNote = skippedWarning(skipped, referenced);
  if (skippedNote) warnings.push(skippedNote);
  return { snapshots, failures, warnings };
}

interface LoadedSource {
  snapshot: LoadedSnapshot;
  sources?: string[];
}

function looksLikeJson(text: string): boolean {
  const m = /^\s*([{[])/.exec(text.slice(0, 1024));
  return m !== null;
}

/** Position of a JSON.parse error message ("... at position 123" / "line 4 column 2"). */
function isSnapshotDoc(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && (value as { kind?: unknown }).kind === "Snapshot";
}

async function loadSource(source: SourceText, candidate: Candidate, options: LoadOptions, root: string): Promise<LoadedSource | "unrecognised"> {
  const file = source.path;
  if (source.text.trim() === "") throw new InputError("empty file, expected a snapshot or a platform config", { file, line: 1, column: 1 });
  const platform = options.platform ?? "auto";
  const native = { path: file, text: source.text };
  const importOptions = { collectedAt: options.asOf };

  if (platform !== "auto" && platform !== "snapshot") {
    const importer = (await importers()).getImporter(platform)!;
    return fromImport(importer.import(native, importOptions), source, platform);
  }
  if (extname(file) === ".lua") {
    if (platform === "snapshot") throw new InputError("a Lua file cannot be a chataudit snapshot", { file });
    const importer = (await importers()).detectImporter(native);
    if (!importer) return unrecognised(candidate, "a Lua file that is not a Prosody config");
    return fromImport(importer.import(native, importOptions), source, importer.platform);
  }

  let value: unknown;
  let yaml: ParsedYaml | undefined;
  const json = looksLikeJson(source.text);
  if (json) value = parseJson(source.text, file);
  else {
    yaml = parseYaml(source.text, file);
    value = yaml.value;
  }

  if (isSnapshotDoc(value) || platform === "snapshot") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new InputError(`expected a snapshot (a mapping with apiVersion, kind, metadata), got ${describeValue(value)}`, { file, line: 1, column: 1 });
    }
    // JSON.parse reads any depth; validation, evaluation and reports recurse and would overflow the stack.
    if (nestedDeeperThan(value)) throw new InputError(`nested more than ${MAX_NESTING} levels deep, expected a snapshot`, { file, line: 1, column: 1 });
    const provenance = json ? jsonProvenance(source.text, file) : yamlProvenance(yaml!, file);
    const validate = validatorFor("snapshot");
    if (!validate(value)) {
      const problem = schemaProblems(validate.errors)[0]!;
      const at = provenance.locate([problem.path.join(".")]).get(problem.path.join("."))!;
      throw new InputError(problem.message, { file, line: at.line, column: at.column });
    }
    const snapshot = value as Snapshot;
    return {
      snapshot: { snapshot, path: file, sha256: source.sha256, provenance, platform: snapshot.metadata.platform },
    };
  }
  const { detectImporter, importManifest, isManifest } = await importers();
  if (isManifest(value)) {
    const result = importManifest(native, resolve(root, candidate.abs, ".."), importOptions);
    return fromImport(result, source, result.snapshot.metadata.platform);
  }
  const importer = detectImporter(native);
  if (importer) return fromImport(importer.import(native, importOptions), source, importer.platform);
  if (candidate.discovered) {
    // Found in a folder: users exports, waivers, configs and other data sit beside snapshots. Skip them.
    return "unrecognised";
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(`expected a snapshot or a platform config (a mapping), got ${describeValue(value)}`, { file, line: 1, column: 1 });
  }
  const apiVersion = (value as { apiVersion?: unknown }).apiVersion;
  if (typeof apiVersion === "string" && apiVersion.startsWith("chataudit/")) {
    throw new InputError(`unknown kind ${JSON.stringify((value as { kind?: unknown }).kind)}, expected Snapshot or Deployment`, {
      file, ...(yaml ? positionAtPath(yaml, ["kind"]) : { line: 1, column: 1 }),
    });
  }
  return unrecognised(candidate, "neither a chataudit snapshot nor a recognised platform config (use --platform to force one)");
}

function unrecognised(candidate: Candidate, reason: string): "unrecognised" {
  if (candidate.discovered) return "unrecognised";
  throw new InputError(reason, { file: candidate.shown, line: 1, column: 1 });
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return `a ${typeof value}`;
}

function fromImport(result: ImportResult & { sources?: string[] }, source: SourceText, platform: string): LoadedSource {
  const validate = validatorFor("snapshot");
  if (!validate(result.snapshot)) {
    const problem = schemaProblems(validate.errors)[0]!;
    throw new InputError(`imported snapshot is invalid: ${problem.message}`, { file: source.path, line: 1, column: 1 });
  }
  return {
    snapshot: {
      snapshot: result.snapshot,
      path: source.path,
      sha256: source.sha256,
      provenance: mapProvenance(result.provenance, source.path),
      platform,
      source: source.path,
    },
    sources: result.sources,
  };
}

/** Positions in a JSON snapshot, computed in one scan only for the paths asked for. */
function jsonProvenance(text: string, file: string): Provenance {
  return {
    locate(paths) {
      const offsets = locateJsonPaths(text, paths.map((p) => (p === "" ? [] : p.split("."))));
      const positions = positionsAt(text, offsets.values());
      const out = new Map<string, SourceLocation>();
      for (const path of paths) {
        const { line, column } = positions.get(offsets.get(path) ?? 0) ?? { line: 1, column: 1 };
        out.set(path, { path: file, line, column });
      }
      return out;
    },
  };
}

function yamlProvenance(parsed: ParsedYaml, file: string): Provenance {
  return {
    locate(paths) {
      const out = new Map<string, SourceLocation>();
      for (const path of paths) {
        const at = positionAtPath(parsed, path === "" ? [] : path.split("."));
        out.set(path, { path: file, ...at });
      }
      return out;
    },
  };
}
