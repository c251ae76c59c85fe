// JSON Schema validation with ajv: the project's schemas compiled at build time (else once, here), errors as one readable line each.

import type { ErrorObject, Options } from "ajv";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PACKAGE_ROOT, SCHEMAS_DIR } from "./paths.js";
import { chatauditFormats } from "./schema-formats.js";
import { sha256 } from "./source/text.js";

/** A schema's validation function, generated at build time or compiled by Ajv: the same errors either way. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** Every schema in schemas/, by the name validatorFor takes. */
export const SCHEMA_NAMES = ["snapshot", "policy", "config", "waivers", "baseline"] as const;

/**
 * Standalone validators of every schema, written by `npm run build` (scripts/build-prebuilt.js); absent in a source
 * checkout that was never built. Ajv itself (some 60 ms to load, more to compile the snapshot schema) is then not loaded.
 */
export const STANDALONE_VALIDATORS_FILE = join(PACKAGE_ROOT, "dist", "schema-validators.js");

/** Options of every Ajv instance, the one that writes the standalone code included: the same options, the same errors. */
const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true } as const satisfies Options;

/** The generated module: one validator per schema name, and the hash of each schema file it was generated from. */
interface StandaloneModule {
  schemaHashes: Record<string, string>;
  [name: string]: unknown;
}

// ajv and ajv-formats are CommonJS, required only when a validator must be compiled here.
const require = createRequire(import.meta.url);

// Top-level await: validatorFor stays synchronous, and this small module is all a validation needs to load.
const standalone = (await import(pathToFileURL(STANDALONE_VALIDATORS_FILE).href).catch(() => undefined)) as StandaloneModule | undefined;

type Ajv = InstanceType<(typeof import("ajv"))["default"]>;

let ajv: Ajv | undefined;
const compiled = new Map<string, SchemaValidator>();
const chosen = new Map<string, SchemaValidator>();

function newAjv(extra: Options = {}): Ajv {
  // Under NodeNext the classes of these CommonJS packages sit on `.default`.
  const Ajv = (require("ajv") as typeof import("ajv")).default;
  const addFormats = (require("ajv-formats") as typeof import("ajv-formats")).default;
  const instance = new Ajv({ ...AJV_OPTIONS, ...extra });
  addFormats(instance);
  // ajv-formats' date-time and date behind a fast path for the common spellings (schema-formats.ts).
  for (const [name, format] of Object.entries(chatauditFormats)) instance.addFormat(name, format);
  return instance;
}

function schemaBytes(name: string): Buffer {
  return readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`));
}

/** A validator for one of the schemas in schemas/ ("snapshot", "policy", "waivers", "config"...). */
export function validatorFor(name: string): SchemaValidator {
  let validate = chosen.get(name);
  if (!validate) {
    validate = standaloneValidator(name) ?? compiledValidator(name);
    chosen.set(name, validate);
  }
  return validate;
}

/** The validator generated at build time, unless there is none or its schema file has changed since. */
export function standaloneValidator(name: string, bytes = schemaBytes(name)): SchemaValidator | undefined {
  const validate = standalone?.[name];
  if (typeof validate !== "function" || standalone?.schemaHashes?.[name] !== sha256(bytes)) return undefined;
  return validate as SchemaValidator;
}

/** The schema compiled by Ajv from its file now: what a source checkout, or an edited schema, uses. */
export function compiledValidator(name: string): SchemaValidator {
  let validate = compiled.get(name);
  if (!validate) {
    ajv ??= newAjv();
    validate = ajv.compile(JSON.parse(schemaBytes(name).toString("utf8")) as object) as SchemaValidator;
    compiled.set(name, validate);
  }
  return validate;
}

/** The source of STANDALONE_VALIDATORS_FILE: every schema as Ajv's standalone ESM code, with its file's hash. */
export function standaloneValidatorsModule(): string {
  // The generated code reads every format from the module it imports below, the functions compiled validators use.
  const { _ } = require("ajv") as typeof import("ajv");
  const generator = newAjv({ code: { source: true, esm: true, formats: _`chatauditFormats` } });
  const exports: Record<string, string> = {};
  const hashes: Record<string, string> = {};
  for (const name of SCHEMA_NAMES) {
    const bytes = schemaBytes(name);
    const schema = JSON.parse(bytes.toString("utf8")) as { $id: string };
    generator.addSchema(schema);
    exports[name] = schema.$id;
    hashes[name] = sha256(bytes);
  }
  const standaloneCode = (require("ajv/dist/standalone/index.js") as typeof import("ajv/dist/standalone/index.js")).default;
  return [
    "// Generated by `npm run build` (scripts/build-prebuilt.js) from schemas/*.schema.json with ajv/dist/standalone.",
    'import { createRequire } from "node:module";',
    "// Even as ESM, Ajv's standalone code require()s its runtime helpers; the formats are chataudit's (schema-formats.ts).",
    "const require = createRequire(import.meta.url);",
    'import { chatauditFormats } from "./schema-formats.js";',
    standaloneCode(generator, exports),
    `export const schemaHashes = ${JSON.stringify(hashes)};`,
    "",
  ].join("\n");
}

export interface SchemaProblem {
  /** Path of keys / indices to the offending value. */
  path: string[];
  message: string;
}

/** ajv errors reduced to one problem per offending value, most specific first, in document order. */
export function schemaProblems(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  if (!errors?.length) return [];
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const key = e.instancePath;
    byPath.set(key, [...(byPath.get(key) ?? []), e]);
  }
  const problems: SchemaProblem[] = [];
  for (const [pointer, errs] of byPath) {
    const path = pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    problems.push({ path, message: describe(path, errs) });
  }
  return problems;
}

function describe(path: string[], errs: ErrorObject[]): string {
  const field = path.length ? `\`${path.join(".")}\`` : "the document";
  const formats = errs.filter((e) => e.keyword === "format").map((e) => e.params.format as string);
  if (formats.includes("date-time") || formats.includes("date")) {
    return `${field} must be an ISO 8601 date or date-time (e.g. 2026-11-29 or 2026-11-29T08:00:00Z)`;
  }
  const e = errs.find((x) => x.keyword !== "anyOf" && x.keyword !== "if") ?? errs[0]!;
  switch (e.keyword) {
    case "required":
      return `${field} is missing required field \`${e.params.missingProperty as string}\``;
    case "additionalProperties":
      return `${field} has unknown field \`${e.params.additionalProperty as string}\``;
    case "enum":
      return `${field} must be one of: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return `${field} must be ${JSON.stringify(e.params.allowedValue)}`;
    case "type":
      return `${field} must be ${String(e.params.type).replace(",", " or ")}`;
    default:
      return `${field} ${e.message ?? "is invalid"}`;
  }
}
