// Per-organisation policy parameters (--params <file>): { <policy id>: { <param>: value } }.

import { InputError } from "../errors.js";
import { readSourceText } from "../source/text.js";
import { parseYaml, positionAtPath } from "../source/yaml.js";

export type ParamOverrides = Record<string, Record<string, unknown>>;

/** Read a params file. Shape errors name the file and line; unknown ids and names are checked at compile time. */
export async function loadParamsFile(file: string): Promise<ParamOverrides> {
  const source = await readSourceText(file, file, 4 * 1024 * 1024);
  const parsed = parseYaml(source.text, file);
  return checkParams(parsed.value, (path) => ({ file, ...positionAtPath(parsed, path) }));
}

export function checkParams(value: unknown, where: (path: string[]) => { file: string; line?: number; column?: number }): ParamOverrides {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InputError("expected a mapping of policy id to parameters, e.g. CA-BKP-001: { maxAgeHours: 48 }", where([]));
  }
  const out: ParamOverrides = Object.create(null) as ParamOverrides;
  for (const [id, params] of Object.entries(value)) {
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      throw new InputError(`parameters of ${id} must be a mapping of name to value`, where([id]));
    }
    out[id] = { ...(params as Record<string, unknown>) };
  }
  return out;
}
