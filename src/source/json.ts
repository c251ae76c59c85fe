// JSON inputs: JSON.parse for speed, with syntax errors placed at their line and column.

import { InputError } from "../errors.js";
import { jsonSyntaxReason, LineIndex } from "./text.js";
import { parseYaml } from "./yaml.js";

/**
 * Where JSON.parse stopped. V8 names a position for some errors ("... at position 12") and not for
 * others ("Unexpected token '}', ... is not valid JSON"); then the YAML parser, which reads JSON too,
 * finds the line. Only on a syntax error, so the fast path stays JSON.parse.
 */
function jsonErrorPosition(message: string, text: string, file: string): { line: number; column: number } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /position (\d+)/.exec(message);
  if (pos) return new LineIndex(text).position(Math.min(Number(pos[1]), text.length));
  const token = unexpectedTokenOffset(message, text);
  if (token !== undefined) return new LineIndex(text).position(token);
  try {
    parseYaml(text, file);
  } catch (e) {
    const where = (e as InputError).where;
    if (where?.line) return { line: where.line, column: where.column ?? 1 };
  }
  return new LineIndex(text).position(text.length);
}

/**
 * Where an "Unexpected token 'S', ..."kind": Snapshot\n}"... is not valid JSON" points. V8 quotes the text around the
 * token instead of giving its offset: the whole text when the token is among its first ten characters, else ten
 * characters either side (marked with "..."). Each place that fits is checked by JSON.parse itself: the text up to
 * the token reads as an unfinished document, and up to and with it fails on that token. The excerpt is used here
 * only; it is never shown (it may hold a secret).
 */
function unexpectedTokenOffset(message: string, text: string): number | undefined {
  const m = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (!m) return undefined;
  const [, token, cut, excerpt] = m as unknown as [string, string, string | undefined, string];
  const candidates: number[] = [];
  if (cut) {
    for (let at = text.indexOf(excerpt); at !== -1 && candidates.length < 16; at = text.indexOf(excerpt, at + 1)) candidates.push(at + 10);
  } else {
    for (let at = 0; at < Math.min(text.length, 11); at += 1) candidates.push(at);
  }
  const failsOnToken = (end: number): boolean => {
    try {
      JSON.parse(text.slice(0, end));
      return false;
    } catch (e) {
      return (e as Error).message.startsWith(`Unexpected token '${token}'`);
    }
  };
  return candidates.find((at) => text[at] === token && failsOnToken(at + 1) && !failsOnToken(at));
}

/** JSON.parse with errors as InputError at their line and column, never quoting the text. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof RangeError) throw new InputError("JSON nested too deeply to read", { file, line: 1, column: 1 });
    const message = (e as Error).message;
    throw new InputError(`invalid JSON: ${jsonSyntaxReason(message)}`, { file, ...jsonErrorPosition(message, text, file) });
  }
}
