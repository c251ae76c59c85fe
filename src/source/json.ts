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
  try {
    parseYaml(text, file);
  } catch (e) {
    const where = (e as InputError).where;
    if (where?.line) return { line: where.line, column: where.column ?? 1 };
  }
  return new LineIndex(text).position(text.length);
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
