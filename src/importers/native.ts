// Native config documents with source positions: YAML and JSON through the `yaml` parser, typed reads that
// fail with the key's line, and the lookups every importer shares.

import { basename } from "node:path";
import { isScalar, parseDocument, type Document } from "yaml";
import { InputError } from "../errors.js";
import type { SourceLocation } from "../snapshot/types.js";
import { MAX_NESTING, nestedDeeperThan } from "../source/depth.js";
import { nodeAtPath, parseYaml, SAFE } from "../source/yaml.js";
import type { NativeFile } from "./types.js";

/** Keys and indices from the root of a native document to one value. */
export type NativePath = readonly (string | number)[];

/** A parsed native config: its plain value and where each part of it is written. */
export interface NativeDocument {
  readonly file: string;
  readonly root: unknown;
  /**
   * Location of the value at a path: its key for a mapping member, the item for a list element, the nearest
   * existing ancestor for an absent one, and line 1 column 1 when nothing on the path exists.
   */
  locate(path: NativePath): SourceLocation;
  /**
   * The text a scalar is written as, for values whose parsed form loses something: YAML reads a version
   * `10.10` as the number 10.1. Undefined when the path is not a scalar (or the format keeps no text).
   */
  scalarSource?(path: NativePath): string | undefined;
}

/** Nesting deeper than this is refused: no real config comes close, and walkers recurse. */
export const MAX_DEPTH = MAX_NESTING;

/**
 * Parse YAML (or JSON, which is YAML 1.2) into a document with positions. `expected` names the format for
 * error messages ("a Mattermost config.json"); syntax errors become InputError at their line.
 */
export function parseStructuredDocument(file: NativeFile, expected: string): NativeDocument {
  let parsed: ReturnType<typeof parseYaml>;
  try {
    parsed = parseYaml(file.text, file.path);
  } catch (e) {
    if (e instanceof InputError) {
      throw new InputError(`expected ${expected}: ${e.message}`, e.where);
    }
    throw new InputError(`expected ${expected}: the file cannot be parsed`, { file: file.path, line: 1, column: 1 });
  }
  const { doc, lines } = parsed;
  checkDepth(parsed.value, file.path);
  return {
    file: file.path,
    root: parsed.value,
    locate(path) {
      return yamlLocation(doc, lines, path, file.path);
    },
    scalarSource(path) {
      if (valueAt(parsed.value, path) === undefined) return undefined;
      const { node } = nodeAtPath(doc, path);
      return isScalar(node) && node.range ? file.text.slice(node.range[0], node.range[1]).trim() : undefined;
    },
  };
}

function yamlLocation(doc: Document.Parsed, lines: { linePos(offset: number): { line: number; col: number } }, path: NativePath, file: string): SourceLocation {
  if (!doc.contents || path.length === 0) return { path: file, line: 1, column: 1 };
  const { node, key } = nodeAtPath(doc, path);
  // Nothing on the path matched: the root itself stands for an absent section, which is line 1.
  if (node === doc.contents && !key) return { path: file, line: 1, column: 1 };
  // A list element with a key inside a flow item has no key of its own; its range starts at the value.
  const offset = (key ?? node).range?.[0] ?? 0;
  const at = lines.linePos(offset);
  return { path: file, line: at.line, column: at.col };
}

function checkDepth(value: unknown, file: string): void {
  if (nestedDeeperThan(value, MAX_DEPTH)) throw new InputError(`nested more than ${MAX_DEPTH} levels deep, expected a configuration file`, { file, line: 1, column: 1 });
}

/** Whether a value is a plain mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a path, reading own properties only (a `__proto__` key is data, never the prototype). */
export function valueAt(root: unknown, path: NativePath): unknown {
  let v = root;
  for (const segment of path) {
    if (Array.isArray(v)) {
      v = typeof segment === "number" || /^\d+$/.test(segment) ? v[Number(segment)] : undefined;
    } else if (isRecord(v)) {
      v = Object.prototype.hasOwnProperty.call(v, segment) ? v[segment] : undefined;
    } else {
      return undefined;
    }
    if (v === undefined) return undefined;
  }
  return v;
}

/** A short description of a value's type for error messages (never the value itself: it may be a secret). */
export function describeType(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value}`;
}

/** Dotted form of a native path for messages ("listen.6.port"). */
export function dotted(path: NativePath): string {
  return path.join(".");
}

const TRUE_WORDS = new Set(["true", "yes", "on", "1"]);
const FALSE_WORDS = new Set(["false", "no", "off", "0"]);

/**
 * Typed reads from one document. An absent key (undefined or null) yields the caller's code default; a value
 * of the wrong type is an InputError at that key's line saying what was expected.
 */
export class NativeReader {
  /** `root` replaces the document's value where an importer reads a transformed copy (ejabberd's macros). */
  constructor(readonly doc: NativeDocument, private readonly root: unknown = doc.root) {}

  get(path: NativePath): unknown {
    return valueAt(this.root, path);
  }

  has(path: NativePath): boolean {
    const v = this.get(path);
    return v !== undefined && v !== null;
  }

  fail(path: NativePath, expected: string): never {
    const found = describeType(this.get(path));
    const at = this.doc.locate(path);
    throw new InputError(`expected \`${dotted(path)}\` to be ${expected}, found ${found}`, { file: at.path, line: at.line, column: at.column });
  }

  /** Booleans, also as YAML 1.1 / string spellings ("yes", "on", "true") that the platforms' parsers accept. */
  bool(path: NativePath, fallback: boolean): boolean {
    const v = this.get(path);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    if (typeof v === "number" && (v === 0 || v === 1)) return v === 1;
    if (typeof v === "string") {
      const w = v.trim().toLowerCase();
      if (TRUE_WORDS.has(w)) return true;
      if (FALSE_WORDS.has(w)) return false;
    }
    return this.fail(path, "true or false");
  }

  str(path: NativePath, fallback: string): string;
  str(path: NativePath, fallback?: undefined): string | undefined;
  str(path: NativePath, fallback?: string): string | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return this.fail(path, "a string");
  }

  /** Numbers, also written as numeric strings (Mattermost keeps ports as strings). */
  num(path: NativePath, fallback: number): number;
  num(path: NativePath, fallback?: undefined): number | undefined;
  num(path: NativePath, fallback?: number): number | undefined {
    const v = this.get(path);
    if (v === undefined || v === null || v === "") return fallback;
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    return this.fail(path, "a number");
  }

  /** A list; a single scalar counts as a list of one, as ejabberd and Synapse both allow. */
  list(path: NativePath): unknown[] {
    const v = this.get(path);
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
  }

  /** A mapping, or an empty one when absent; anything else is an error. */
  map(path: NativePath): Record<string, unknown> {
    const v = this.get(path);
    if (v === undefined || v === null) return {};
    if (isRecord(v)) return v;
    return this.fail(path, "a mapping");
  }

  /** Strings of a list (numbers become strings); other items are refused with their own line. */
  strings(path: NativePath): string[] {
    return this.list(path).map((item, i) => {
      if (typeof item === "string") return item;
      if (typeof item === "number") return String(item);
      const itemPath = Array.isArray(this.get(path)) ? [...path, i] : path;
      return this.fail(itemPath, "a string");
    });
  }
}

/** A snapshot name from a file path when the config names nothing better. */
export function nameFromPath(path: string): string {
  const base = basename(path).replace(/\.(cfg\.lua|lua|ya?ml|json)$/i, "");
  return base || "snapshot";
}

let lastSniff: { text: string; value: unknown } | undefined;

/**
 * The plain value of a YAML or JSON text for content detection, or undefined when it does not parse.
 * Never throws; remembers the last text, since every importer's detect looks at the same file in turn.
 */
export function sniffStructured(text: string): unknown {
  if (lastSniff?.text === text) return lastSniff.value;
  let value: unknown;
  try {
    const doc = parseDocument(text, { ...SAFE, uniqueKeys: false });
    value = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: SAFE.maxAliasCount });
  } catch {
    value = undefined;
  }
  lastSniff = { text, value };
  return value;
}
