// YAML (and JSON through YAML) parsing with source positions and errors that name file, line and column.

import { createRequire } from "node:module";
import type { Document, LineCounter, Node } from "yaml";
import { InputError } from "../errors.js";

type Yaml = typeof import("yaml");

let yamlModule: Yaml | undefined;

/**
 * The yaml library, loaded on the first YAML document: a scan of JSON snapshots with the precompiled policies and
 * catalogue reads none. It is CommonJS under Node, so requiring it keeps these functions synchronous.
 */
function yaml(): Yaml {
  return (yamlModule ??= createRequire(import.meta.url)("yaml") as Yaml);
}

export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  value: unknown;
}

/**
 * Options that keep hostile YAML harmless: aliases bounded (no "billion laughs"), duplicate keys refused, and
 * no warnings on stderr (the library prints them through process.emitWarning, quoting a key it stringified).
 */
export const SAFE = { uniqueKeys: true, maxAliasCount: 100, prettyErrors: false, strict: true, logLevel: "error" } as const;

/** Parse one YAML document; the first error becomes an InputError at its line and column. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { ...SAFE, lineCounter: lines });
  } catch (e) {
    throw new InputError(`cannot parse YAML: ${firstLine((e as Error).message)}`, { file });
  }
  const error = doc.errors[0];
  if (error) {
    const at = lines.linePos(error.pos[0]);
    throw new InputError(firstLine(error.message), { file, line: at.line, column: at.col });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: SAFE.maxAliasCount });
  } catch (e) {
    throw new InputError(firstLine((e as Error).message), { file, line: 1, column: 1 });
  }
  return { doc, lines, value };
}

/**
 * Messages of the yaml library that quote the input (an alias, a tag, an escape, a directive), each with
 * what is said instead: a password written unquoted as `*s3cret` or `!s3cret` must not be printed.
 */
const QUOTING: [RegExp, string][] = [
  [/^Unresolved alias\b/, "Unresolved alias: a value starts with * (quote it, or set the anchor before the alias)"],
  [/^(Unresolved tag|Could not resolve tag|Not a valid tag|Verbatim tags)\b|^The .* tag has no suffix$/, "Unresolved tag: a value starts with ! (quote it)"],
  [/^Invalid escape sequence\b/, "Invalid escape sequence in a double-quoted string"],
  [/^Unknown directive\b/, "Unknown directive: a line starts with %"],
  [/^Unresolved plain scalar\b/, "Unresolved plain scalar"],
  [/^Block scalar header includes extra characters\b/, "Block scalar header includes extra characters"],
  [/^Ordered maps must not include duplicate keys\b/, "Ordered maps must not include duplicate keys"],
];

function firstLine(message: string): string {
  const line = message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  // The composer and toJS recurse: a document nested some thousand levels deep exhausts the stack.
  if (/call stack/i.test(line)) return "nested too deeply to read";
  return QUOTING.find(([pattern]) => pattern.test(line))?.[1] ?? line;
}

/** The node at a path of keys / indices, or the nearest ancestor that exists. */
export function nodeAtPath(doc: Document.Parsed, path: readonly (string | number)[]): { node: Node; key?: Node } {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  let node: Node = doc.contents as Node;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair || !pair.value) {
        if (pair && isScalar(pair.key)) keyNode = pair.key;
        break;
      }
      keyNode = isScalar(pair.key) ? pair.key : undefined;
      node = pair.value as Node;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (!item) break;
      keyNode = undefined;
      node = item as Node;
    } else {
      break;
    }
  }
  return { node, key: keyNode };
}

/** 1-based line and column of the value at a path (its key for a map member), nearest ancestor if absent. */
export function positionAtPath(parsed: ParsedYaml, path: readonly (string | number)[]): { line: number; column: number } {
  if (!parsed.doc.contents) return { line: 1, column: 1 };
  const { node, key } = nodeAtPath(parsed.doc, path);
  const offset = (key ?? node).range?.[0] ?? 0;
  const at = parsed.lines.linePos(offset);
  return { line: at.line, column: at.col };
}
