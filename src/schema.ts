// JSON Schema validation with ajv: the project's schemas compiled once, errors as one readable line each.

import AjvModule, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCHEMAS_DIR } from "./paths.js";

// ajv and ajv-formats are CommonJS: under NodeNext their classes sit on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;
type Ajv = InstanceType<typeof Ajv>;

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
  }
  return ajv;
}

/** A validator for one of the schemas in schemas/ ("snapshot", "policy", "waivers", "config"...). */
export function validatorFor(name: string): ValidateFunction {
  const cached = compiled.get(name);
  if (cached) return cached;
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`), "utf8")) as object;
  const validate = instance().compile(schema);
  compiled.set(name, validate);
  return validate;
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
