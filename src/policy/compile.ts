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
  /** Rules each selected item must satisfy to be judged, with what they ask for. */
  evidenceRules: { rule: CompiledRule; describe: string }[];
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
export const MESSAGE_COMPILE_OPTIONS = { noEscape: true, strict: false } as const;

/**
 * The bundled policies' messages compiled at build time (`npm run build` writes it), by message text: an edited or a
 * user's message is simply not in it and is compiled here. Absent in a checkout that was never built.
 */
export const PRECOMPILED_MESSAGES_FILE = join(PACKAGE_ROOT, "dist", "messages.js");

// Top-level await keeps messageTemplate synchronous; the module is small (the 54 bundled messages as functions).
const precompiled = (await import(pathToFileURL(PRECOMPILED_MESSAGES_FILE).href).catch(() => undefined)) as
  | { messages?: Map<string, TemplateSpecification>; setupFree?: Set<string> }
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

/** Whether a scan renders this message without Handlebars' per-call setup (see templateFromSpec). */
export function rendersWithoutSetup(message: string): boolean {
  return isPrecompiledMessage(message) && (precompiled?.setupFree?.has(message) ?? false) && preparedSetup() !== undefined;
}

/**
 * A message template, compiled at build time or else when first rendered (Handlebars itself compiles no earlier, so
 * a template error surfaces at the same moment as before). Inherited properties (`{{constructor}}`,
 * `{{name.toString}}`) stay unreachable, as Handlebars makes them by default; saying so explicitly also keeps its
 * multi-line warning off stderr.
 */
export function messageTemplate(message: string, from: "auto" | "compiler" = "auto"): (context: Record<string, unknown>) => string {
  let render: ((context: Record<string, unknown>) => string) | undefined;
  return (context) => {
    if (!render) {
      const spec = from === "auto" ? precompiled?.messages?.get(message) : undefined;
      render = spec
        ? templateFromSpec(spec, precompiled?.setupFree?.has(message) ?? false)
        : withStandardOptions(messageHandlebars().compile(message, MESSAGE_COMPILE_OPTIONS));
    }
    return render(context);
  };
}

/** What every render passes Handlebars: inherited properties and methods out of reach (see messageTemplate). */
const RUNTIME_OPTIONS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;

function withStandardOptions(template: HandlebarsTemplateDelegate): (context: Record<string, unknown>) => string {
  return (context) => template(context, RUNTIME_OPTIONS);
}

/**
 * A template compiled at build time, ready to render. A setup-free one (see isSetupFree) skips Handlebars' per-call
 * setup when Handlebars' internals allow it. Exported for the tests that hold both ways of rendering to the same text.
 */
export function templateFromSpec(spec: TemplateSpecification, setupFree: boolean): (context: Record<string, unknown>) => string {
  const template = messageRuntime().template(spec);
  const setup = setupFree ? preparedSetup() : undefined;
  if (!setup) return withStandardOptions(template);
  const { helpers, hooks, partials, decorators, protoAccessControl } = setup;
  // What the setup would have made, made once; `data` as the setup's initData makes it.
  return (context) =>
    template(context, { partial: true, helpers, hooks, partials, decorators, protoAccessControl, data: { root: context } } as unknown as RuntimeOptions);
}

/**
 * Handlebars' runtime redoes a setup on every render: it copies and wraps every helper of the environment and builds
 * the prototype access control, about 3 KB and several microseconds a message, which for the 15,000 findings of a
 * 100,000-user snapshot was 90 ms of the scan (120 ms of rendering in all, 40 ms without the setup). Its runtime also
 * takes that setup ready-made, as it does for partials (`partial: true` with helpers, hooks and the access control),
 * which is not in its documented API; so this is used only for a message that needs nothing the setup adds beyond
 * them (isSetupFree), the access control comes from Handlebars' own function with the same options as every other
 * render, and if that function cannot be found (another Handlebars release) every message renders the standard way.
 * test/policy/messages.test.ts holds both ways to the same text for every bundled message and for hostile templates.
 */
interface PreparedSetup {
  partial: true;
  helpers: Record<string, unknown>;
  hooks: Record<string, unknown>;
  partials: Record<string, never>;
  decorators: Record<string, never>;
  protoAccessControl: unknown;
}

let prepared: PreparedSetup | null | undefined;

function preparedSetup(): PreparedSetup | undefined {
  if (prepared === undefined) {
    prepared = null;
    try {
      const access = require("handlebars/dist/cjs/handlebars/internal/proto-access.js") as { createProtoAccessControl?: (o: object) => unknown };
      if (typeof access.createProtoAccessControl === "function") {
        // As the setup leaves them for a template compiled by Handlebars 4.3 or later: the two "missing" helpers are
        // hooks, not helpers. Unwrapped: the wrapping only adds options.lookupProperty, which no allowed helper reads.
        const { helperMissing, blockHelperMissing, ...helpers } = messageRuntime().helpers as Record<string, unknown>;
        prepared = {
          partial: true, helpers, hooks: { helperMissing, blockHelperMissing }, partials: {}, decorators: {},
          protoAccessControl: access.createProtoAccessControl(RUNTIME_OPTIONS),
        };
      }
    } catch {
      prepared = null;
    }
  }
  return prepared ?? undefined;
}

/** The helpers a setup-free message may call: chataudit's own and the two builtins that read nothing but their arguments. */
const SETUP_FREE_HELPERS = new Set(["if", "unless", "round", "percent", "join"]);
/** Builtin helpers that read what the setup adds (options.lookupProperty, the helpers' wrappers): never setup-free. */
const SETUP_DEPENDENT_NAMES = new Set(["each", "with", "lookup", "log", "helperMissing", "blockHelperMissing"]);

interface HbsNode {
  type: string;
  [key: string]: unknown;
}

/**
 * Whether a message renders the same without Handlebars' per-call setup, decided from its syntax tree at build time:
 * text, comments and `{{path}}` lookups of the current context, with `if`, `unless`, `round`, `percent` and `join` as
 * the only helpers. No partials, decorators, `@data` variables, parent paths (`../`) or block parameters, and no
 * block or mustache naming a helper that needs the setup.
 */
export function isSetupFree(message: string): boolean {
  let ast: HbsNode;
  try {
    ast = (require("handlebars") as Handlebars).parse(message) as unknown as HbsNode;
  } catch {
    return false;
  }
  const free = (node: unknown): boolean => {
    if (node === undefined || node === null) return true;
    const n = node as HbsNode;
    switch (n.type) {
      case "Program":
        return !(n.blockParams as unknown[] | undefined)?.length && (n.body as unknown[]).every(free);
      case "ContentStatement":
      case "CommentStatement":
      case "StringLiteral":
      case "NumberLiteral":
      case "BooleanLiteral":
      case "UndefinedLiteral":
      case "NullLiteral":
        return true;
      case "PathExpression": {
        const head = (n.parts as string[])[0];
        return n.data !== true && n.depth === 0 && !(head !== undefined && SETUP_DEPENDENT_NAMES.has(head));
      }
      case "MustacheStatement":
      case "SubExpression": {
        const calls = (n.params as unknown[]).length > 0 || n.hash !== undefined;
        if (calls && !isHelperName(n.path, SETUP_FREE_HELPERS)) return false;
        return free(n.path) && (n.params as unknown[]).every(free) && free(n.hash);
      }
      case "BlockStatement":
        return isHelperName(n.path, new Set(["if", "unless"])) && (n.params as unknown[]).every(free) && free(n.hash) && free(n.program) && free(n.inverse);
      case "Hash":
        return (n.pairs as { value: unknown }[]).every((pair) => free(pair.value));
      default:
        return false;
    }
  };
  return free(ast);
}

function isHelperName(path: unknown, names: ReadonlySet<string>): boolean {
  const p = path as HbsNode;
  return p.type === "PathExpression" && p.data !== true && p.depth === 0 && (p.parts as string[]).length === 1 && names.has((p.parts as string[])[0]!);
}

/** The source of PRECOMPILED_MESSAGES_FILE: every given message compiled by Handlebars.precompile, keyed by its text. */
export function precompiledMessagesModule(messages: Iterable<string>): string {
  const compiler = require("handlebars") as Handlebars;
  const entries = [...new Set(messages)].sort().map((m) => `  [${JSON.stringify(m)}, ${compiler.precompile(m, MESSAGE_COMPILE_OPTIONS)}],`);
  const setupFree = [...new Set(messages)].sort().filter(isSetupFree).map((m) => `  ${JSON.stringify(m)},`);
  return [
    "// Generated by `npm run build` (scripts/build-prebuilt.js): the bundled policies' messages as Handlebars template",
    "// specifications, for Handlebars' runtime. Keyed by the message text, so an edited message is compiled at scan time.",
    "export const messages = new Map([",
    ...entries,
    "]);",
    "// The messages that render the same without Handlebars' per-call setup (isSetupFree in src/policy/compile.ts).",
    "export const setupFree = new Set([",
    ...setupFree,
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
    evidence: (policy.evidence ?? []).flatMap((e) => (typeof e === "string" ? [e.split(".")] : [])),
    evidenceRules: (policy.evidence ?? []).flatMap((e, i) =>
      typeof e === "string" ? [] : [{ rule: compileRule(e.rule, { scoped: true, path: `evidence[${i}].rule` }), describe: e.describe }],
    ),
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
