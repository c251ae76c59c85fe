// The configuration file (.chataudit.yaml or --config): defaults for every scan flag, policy params, policies on or off.
// Also the reader every small user-written document shares (config, waivers, baseline): YAML or JSON, schema-checked,
// every problem reported at its file:line:column before anything is evaluated.

import { promises as fs } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { InputError, type ChatauditError } from "../errors.js";
import type { ParamOverrides } from "../policy/params.js";
import { schemaProblems, validatorFor } from "../schema.js";
import { readSourceText } from "../source/text.js";
import { parseYaml, positionAtPath, type ParsedYaml } from "../source/yaml.js";

/** Every problem of one document; the CLI prints one line each and exits 2. */
export class InvalidDocument extends InputError {
  constructor(readonly problems: InputError[]) {
    super(problems[0]!.message, problems[0]!.where);
  }
}

/** The individual errors inside an error: the problems of an InvalidDocument, or the error itself. */
export function errorsOf(e: ChatauditError): ChatauditError[] {
  return e instanceof InvalidDocument ? e.problems : [e];
}

export interface CheckedDocument {
  file: string;
  value: unknown;
  parsed: ParsedYaml;
  /** Line and column of the value at a path of the checked (possibly wrapped) document. */
  position(path: readonly (string | number)[]): { line: number; column: number };
}

export interface DocumentOptions {
  /** Schema name in schemas/ (without .schema.json). */
  schema: string;
  /** What an empty file means; absent: an empty file is an error. */
  empty?: unknown;
  /** Accept a top-level list as `{ [wrapList]: list }`. */
  wrapList?: string;
  /** What the document is, for messages ("waivers file"). */
  noun: string;
  maxBytes?: number;
}

const MAX_PROBLEMS = 20;

/** Read a YAML or JSON document and check it against its schema; throws InvalidDocument naming every problem. */
export async function readCheckedDocument(file: string, options: DocumentOptions): Promise<CheckedDocument> {
  const source = await readSourceText(file, file, options.maxBytes ?? 16 * 1024 * 1024);
  const parsed = parseYaml(source.text, file);
  let value = parsed.value;
  let wrapped = false;
  if (value === null || value === undefined) {
    if (options.empty === undefined) throw new InputError(`empty ${options.noun}`, { file, line: 1, column: 1 });
    value = structuredClone(options.empty);
  } else if (options.wrapList && Array.isArray(value)) {
    value = { [options.wrapList]: value };
    wrapped = true;
  }
  const position = (path: readonly (string | number)[]) => positionAtPath(parsed, wrapped ? path.slice(1) : path);
  const validate = validatorFor(options.schema);
  if (!validate(value)) {
    // ajv reports an unknown key on its parent object; point at the key itself.
    const unknownKey = new Map<string, string>();
    for (const e of validate.errors ?? []) {
      if (e.keyword === "additionalProperties") unknownKey.set(e.instancePath, String(e.params.additionalProperty));
    }
    const problems = schemaProblems(validate.errors)
      .map((p) => {
        const pointer = p.path.length ? `/${p.path.map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}` : "";
        const extra = unknownKey.get(pointer);
        const at = position(extra === undefined ? p.path : [...p.path, extra]);
        return new InputError(p.message, { file, ...at });
      })
      .sort((a, b) => a.where!.line! - b.where!.line! || a.where!.column! - b.where!.column!)
      .slice(0, MAX_PROBLEMS);
    throw new InvalidDocument(problems);
  }
  return { file, value, parsed, position };
}

/** The names a config file uses, as the scan flags commander parses (camelCase). */
export interface ConfigFlags {
  platform?: string;
  policies?: string[];
  builtin?: boolean;
  format?: string;
  output?: string;
  failOn?: string;
  asOf?: string;
  params?: string;
  only?: string[];
  skip?: string[];
  maxFileSize?: string;
  quiet?: boolean;
  waivers?: string;
  baseline?: string;
  writeBaseline?: string;
  warnExpiring?: string;
}

export interface ScanConfig {
  file: string;
  /** Default inputs when the command line gives none. */
  paths?: string[];
  /** Flag defaults, under the flags' own names. Paths are already resolved against the config's folder. */
  flags: ConfigFlags;
  /** Inline policy parameters (`params:`); a params file (`params-file:` or --params) replaces them. */
  params?: ParamOverrides;
}

/** Config keys (kebab-case, as the flags are spelled) -> flag names. */
const KEY_TO_FLAG: Record<string, keyof ConfigFlags> = {
  platform: "platform",
  "policy-dirs": "policies",
  builtin: "builtin",
  format: "format",
  output: "output",
  "fail-on": "failOn",
  "as-of": "asOf",
  waivers: "waivers",
  baseline: "baseline",
  "write-baseline": "writeBaseline",
  "warn-expiring": "warnExpiring",
  "max-file-size": "maxFileSize",
  quiet: "quiet",
  "params-file": "params",
};

/** Keys whose values are file or folder paths, resolved against the config file's folder. */
const PATH_FLAGS = new Set<keyof ConfigFlags>(["policies", "output", "waivers", "baseline", "writeBaseline", "params"]);

export const CONFIG_FILE_NAMES = [".chataudit.yaml", ".chataudit.yml"];

/** The config file in a folder, if there is one. */
export async function findConfig(dir: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = join(dir, name);
    const stat = await fs.stat(candidate).catch(() => null);
    if (stat?.isFile()) return candidate;
  }
  return undefined;
}

type RawConfig = {
  paths?: string | string[];
  params?: ParamOverrides;
  policies?: { enable?: string | string[]; disable?: string | string[] };
  format?: string | string[];
  "max-file-size"?: string | number;
  "warn-expiring"?: number;
} & Record<string, unknown>;

const list = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);

/** Read and check a config file. Relative paths in it are relative to the file's folder, not the cwd. */
export async function loadConfig(file: string): Promise<ScanConfig> {
  const doc = await readCheckedDocument(file, { schema: "config", empty: {}, noun: "config file", maxBytes: 1024 * 1024 });
  const raw = doc.value as RawConfig;
  const base = dirname(resolve(file));
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const flags: ConfigFlags = {};
  for (const [key, flag] of Object.entries(KEY_TO_FLAG)) {
    const value = raw[key];
    if (value === undefined) continue;
    (flags as Record<string, unknown>)[flag] = value;
  }
  if (raw.format !== undefined) flags.format = list(raw.format)!.join(",");
  if (raw["max-file-size"] !== undefined) flags.maxFileSize = String(raw["max-file-size"]);
  if (raw["warn-expiring"] !== undefined) flags.warnExpiring = String(raw["warn-expiring"]);
  if (raw.policies?.enable !== undefined) flags.only = list(raw.policies.enable);
  if (raw.policies?.disable !== undefined) flags.skip = list(raw.policies.disable);
  const params = raw.params;
  for (const flag of PATH_FLAGS) {
    const value = flags[flag];
    if (typeof value === "string") (flags as Record<string, unknown>)[flag] = at(value);
    else if (Array.isArray(value)) (flags as Record<string, unknown>)[flag] = value.map(at);
  }
  const paths = list(raw.paths)?.map(at);
  return { file, flags, ...(paths ? { paths } : {}), ...(params ? { params } : {}) };
}

/**
 * Flags with the config's values filled in: a flag given on the command line wins, whole (a list given there
 * replaces the config's list); a flag left at its default takes the config's value.
 */
export function applyConfig<F extends object>(flags: F, config: ScanConfig | undefined, givenOnCommandLine: (flag: string) => boolean): F {
  if (!config) return flags;
  const merged = { ...flags } as Record<string, unknown>;
  for (const [flag, value] of Object.entries(config.flags)) {
    if (value !== undefined && !givenOnCommandLine(flag)) merged[flag] = value;
  }
  return merged as F;
}
