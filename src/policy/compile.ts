// Preparing a loaded policy for evaluation, once: rules to closures, params merged, message template compiled.

import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PolicyError } from "../errors.js";
import { PACKAGE_ROOT } from "../paths.js";
import { compileRule, varPaths, SCOPE_ROOTS, type CompiledRule } from "./jsonlogic.js";
import type { LoadedPolicy, ParamValue, Policy } from "./types.js";

export interface CompiledPolicy {
  policy: Policy;
  /** Policy file as shown to people. */
  source: string;
  /** Effective params: the policy's defaults with the organisation's overrides. */
  params: Record<string, ParamValue>;
  select?: string[];
  where?: CompiledRule;
  compute: [string, CompiledRule][];
  assert: CompiledRule;
  requires: string[][];
  /** Paths inside each selected item that must be present for it to be judged. */
  evidence: string[][];
  /** Subject-relative (or snapshot-relative) paths the assertion reads: evidence and location. */
  evidencePaths: string[][];
  /** Params the assertion and compute rules read: the "expected" side of the evidence. */
  expectedParams: string[];
  /** Where a finding points, in order of preference: `locate`, then what assert, compute and requires read. */
  locationCandidates: string[][];
  locate?: string[];
  renderMessage: (context: Record<string, unknown>) => string;
}

type Handlebars = typeof import("handlebars");

const require = createRequire(import.meta.url);

/** How message templates are compiled, at build time and here: plain text (reporters escape for their format). */
const MESSAGE_COMPILE_OPTIONS = { noEscape: true, strict: false } as const;

/**
 * The bundled policies' messages compiled at build time (`npm run build` writes it), by message text: an edited or a
 * user's message is simply not in it and is compiled here. Absent in a checkout that was never built.
 */
export const PRECOMPILED_MESSAGES_FILE = join(PACKAGE_ROOT, "dist", "messages.js");

// Top-level await keeps messageTemplate synchronous; the module is small (the 54 bundled messages as functions).
const precompiled = (await import(pathToFileURL(PRECOMPILED_MESSAGES_FILE).href).catch(() => undefined)) as
  | { messages?: Map<string, TemplateSpecification> }
  | undefined;

/** chataudit's message helpers, on a Handlebars environment of either kind. */
function withHelpers<T extends Pick<Handlebars, "registerHelper">>(instance: T): T {
  instance.registerHelper("round", (value: unknown, digits: unknown) => {
    if (typeof value !== "number" || !Number.isFinite(value)) return value ?? "unknown";
    const d = typeof digits === "number" ? digits : 0;
    return value.toFixed(d);
  });
  instance.registerHelper("percent", (value: unknown) =>
    typeof value === "number" && Number.isFinite(value) ? `${Math.round(value * 1000) / 10}%` : "unknown",
  );
  instance.registerHelper("join", (value: unknown) => (Array.isArray(value) ? value.join(", ") : value));
  return instance;
}

let handlebars: Handlebars | undefined;
let runtime: Handlebars | undefined;

/**
 * A private Handlebars with chataudit's helpers, loaded on the first message that has to be compiled here. Handlebars
 * is CommonJS, so it can be required synchronously from inside a render.
 */
function messageHandlebars(): Handlebars {
  return (handlebars ??= withHelpers((require("handlebars") as Handlebars).create()));
}

/** Handlebars' runtime alone (no parser, no compiler: a fraction to load), for the templates compiled at build time. */
function messageRuntime(): Handlebars {
  return (runtime ??= withHelpers((require("handlebars/runtime") as Handlebars).create()));
}

/** Whether a message was compiled at build time (a scan then renders it with Handlebars' runtime alone). */
export function isPrecompiledMessage(message: string): boolean {
  return precompiled?.messages?.has(message) ?? false;
}

/**
 * A message template, compiled at build time or else when first rendered (Handlebars itself compiles no earlier, so
 * a template error surfaces at the same moment as before). Inherited properties (`{{constructor}}`,
 * `{{name.toString}}`) stay unreachable, as Handlebars makes them by default; saying so explicitly also keeps its
 * multi-line warning off stderr.
 */
export function messageTemplate(message: string, from: "auto" | "compiler" = "auto"): (context: Record<string, unknown>) => string {
  let template: HandlebarsTemplateDelegate | undefined;
  return (context) => {
    if (!template) {
      const spec = from === "auto" ? precompiled?.messages?.get(message) : undefined;
      template = spec ? messageRuntime().template(spec) : messageHandlebars().compile(message, MESSAGE_COMPILE_OPTIONS);
    }
    return template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  };
}

/** The source of PRECOMPILED_MESSAGES_FILE: every given message compiled by Handlebars.precompile, keyed by its text. */
export function precompiledMessagesModule(messages: Iterable<string>): string {
  const compiler = require("handlebars") as Handlebars;
  const entries = [...new Set(messages)].sort().map((m) => `  [${JSON.stringify(m)}, ${compiler.precompile(m, MESSAGE_COMPILE_OPTIONS)}],`);
  return [
    "// Generated by `npm run build` (scripts/build-prebuilt.js): the bundled policies' messages as Handlebars template",
    "// specifications, for Handlebars' runtime. Keyed by the message text, so an edited message is compiled at scan time.",
    "export const messages = new Map([",
    ...entries,
    "]);",
    "",
  ].join("\n");
}

/** Params as the policy declares them, with overrides checked: same names, same types. */
export function effectiveParams(
  loaded: LoadedPolicy,
  overrides: Record<string, unknown> | undefined,
  overrideSource = "--params",
): Record<string, ParamValue> {
  const defaults = loaded.policy.params ?? {};
  const params: Record<string, ParamValue> = { ...defaults };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(defaults, name)) {
      const known = Object.keys(defaults);
      throw new PolicyError(
        `${loaded.policy.id} has no parameter "${name}"${known.length ? ` (it has: ${known.join(", ")})` : " (it has none)"}`,
        { file: overrideSource },
      );
    }
    const expected = defaults[name]!;
    const ok = Array.isArray(expected) ? Array.isArray(value) : typeof value === typeof expected;
    if (!ok) {
      throw new PolicyError(
        `${loaded.policy.id} parameter "${name}" must be ${Array.isArray(expected) ? "a list" : `a ${typeof expected}`}, got ${JSON.stringify(value)}`,
        { file: overrideSource },
      );
    }
    params[name] = value as ParamValue;
  }
  return params;
}

/** Paths that read the subject (not params, computed or snapshot), split into segments. */
function subjectPaths(paths: string[]): string[][] {
  return paths.filter((p) => !(SCOPE_ROOTS as readonly string[]).includes(p.split(".")[0]!)).map((p) => p.split("."));
}

/** Compile a validated policy. Rules were checked at load, so this does not fail for bundled or loaded policies. */
export function compilePolicy(loaded: LoadedPolicy, overrides?: Record<string, unknown>, overrideSource?: string): CompiledPolicy {
  const { policy } = loaded;
  const params = effectiveParams(loaded, overrides, overrideSource);
  const rules = [policy.assert, policy.where, ...Object.values(policy.compute ?? {})];
  const read = varPaths(policy.assert);
  const expectedParams = new Set<string>();
  for (const rule of rules) {
    for (const p of varPaths(rule)) if (p.startsWith("params.")) expectedParams.add(p.slice("params.".length).split(".")[0]!);
  }
  return {
    policy,
    source: loaded.path,
    params,
    select: policy.select?.split("."),
    where: policy.where === undefined ? undefined : compileRule(policy.where, { scoped: true, path: "where" }),
    compute: Object.entries(policy.compute ?? {}).map(([name, rule]) => [
      name,
      compileRule(rule, { scoped: true, path: `compute.${name}` }),
    ]),
    assert: compileRule(policy.assert, { scoped: true, path: "assert" }),
    requires: (policy.requires ?? []).map((p) => p.split(".")),
    evidence: (policy.evidence ?? []).map((p) => p.split(".")),
    evidencePaths: subjectPaths(read),
    locationCandidates: [
      ...subjectPaths(read),
      ...subjectPaths(Object.values(policy.compute ?? {}).flatMap((rule) => varPaths(rule))),
      // requires are snapshot paths: they locate only snapshot-level findings.
      ...(policy.select ? [] : (policy.requires ?? []).map((p) => p.split("."))),
    ],
    expectedParams: [...expectedParams],
    locate: policy.locate?.split("."),
    renderMessage: messageTemplate(policy.message),
  };
}
