// JSON Logic for chataudit: a compiler from rules to closures (what the engine runs) and the
// json-logic-js reference it must agree with (test/policy/jsonlogic-differential.test.ts proves it).

import type JsonLogic from "json-logic-js";
import { createRequire } from "node:module";
import { OPERATIONS, STANDARD_OPERATIONS, type OperationContext } from "./operations.js";

/** Roots a `var` path can start with to reach something other than the current data. */
export const SCOPE_ROOTS = ["params", "computed", "snapshot"] as const;
export type ScopeRoot = (typeof SCOPE_ROOTS)[number];

/** What a compiled rule is evaluated against besides its data. */
export interface Scope {
  ctx: OperationContext;
  /** params, computed and snapshot; read by `var` paths starting with those names, from any depth. */
  roots?: Partial<Record<ScopeRoot, unknown>>;
  /** Values of item-invariant subexpressions, evaluated once for this scope; filled as they are first needed. */
  memo?: { owner: Scope; values: Map<number, { value: unknown }> };
}

export type CompiledRule = (data: unknown, scope: Scope) => unknown;

export interface CompileOptions {
  /** Resolve `params.`, `computed.` and `snapshot.` var paths from the scope (policies); off for plain JSON Logic. */
  scoped?: boolean;
  /** Where the rule sits, for error messages ("assert", "where"). */
  path?: string;
  /**
   * Evaluate item-invariant subexpressions (reading only params, the snapshot and the clock) once
   * per scope object rather than once per item (default true). Callers must give a new scope
   * object whenever params or the snapshot change; the engine does, per policy and snapshot.
   */
  hoist?: boolean;
}

/** A rule that cannot be compiled: unknown operation, too deep, malformed. `path` is a JSON path inside the policy. */
export class RuleError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
  }
}

const MAX_DEPTH = 256;
const hasOwn = Object.prototype.hasOwnProperty;
const ALLOWED = new Set<string>([...STANDARD_OPERATIONS, ...Object.keys(OPERATIONS)]);

/** JSON Logic truthiness: an empty array is false, otherwise JavaScript's. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value) && value.length === 0) return false;
  return !!value;
}

/**
 * Read a dotted path from data, own properties only: `constructor`, `__proto__` and friends are
 * never reached through the prototype chain. Missing values give `notFound`.
 */
export function readPath(data: unknown, segments: readonly string[], notFound: unknown = null): unknown {
  let current = data;
  for (const key of segments) {
    if (current === null || current === undefined) return notFound;
    if (typeof current !== "object" && typeof current !== "string") return notFound;
    if (!hasOwn.call(current, key)) return notFound;
    current = (current as Record<string, unknown>)[key];
    if (current === undefined) return notFound;
  }
  return current;
}

function splitPath(path: unknown): string[] | null {
  if (path === undefined || path === null || path === "") return null;
  return String(path).split(".");
}

/** The safe `var`: json-logic-js semantics (default, "" = whole data) without inherited properties. */
function safeVar(data: unknown, path: unknown, fallback: unknown): unknown {
  const segments = splitPath(path);
  if (segments === null) return data;
  return readPath(data, segments, fallback === undefined ? null : fallback);
}

function isLogic(rule: unknown): rule is Record<string, unknown> {
  return typeof rule === "object" && rule !== null && !Array.isArray(rule) && Object.keys(rule).length === 1;
}

// --- the standard operations, mirroring json-logic-js 2.0.5 exactly (loose equality included) ---

type Values = unknown[];
/* eslint-disable eqeqeq */
const STANDARD_FNS: Record<string, (v: Values) => unknown> = {
  "==": (v) => v[0] == v[1],
  "===": (v) => v[0] === v[1],
  "!=": (v) => v[0] != v[1],
  "!==": (v) => v[0] !== v[1],
  ">": (v) => (v[0] as number) > (v[1] as number),
  ">=": (v) => (v[0] as number) >= (v[1] as number),
  "<": (v) =>
    v[2] === undefined
      ? (v[0] as number) < (v[1] as number)
      : (v[0] as number) < (v[1] as number) && (v[1] as number) < (v[2] as number),
  "<=": (v) =>
    v[2] === undefined
      ? (v[0] as number) <= (v[1] as number)
      : (v[0] as number) <= (v[1] as number) && (v[1] as number) <= (v[2] as number),
  "!!": (v) => truthy(v[0]),
  "!": (v) => !truthy(v[0]),
  "%": (v) => (v[0] as number) % (v[1] as number),
  in: (v) => {
    const b = v[1] as { indexOf?: (x: unknown) => number } | null | undefined;
    if (!b || typeof b.indexOf === "undefined") return false;
    return b.indexOf(v[0]) !== -1;
  },
  cat: (v) => v.join(""),
  substr: (v) => {
    const [source, start, end] = v as [unknown, number, number | undefined];
    if ((end as number) < 0) {
      const temp = String(source).substr(start);
      return temp.substr(0, temp.length + (end as number));
    }
    return String(source).substr(start, end);
  },
  "+": (v) => v.reduce<number>((a, b) => parseFloat(a as unknown as string) + parseFloat(b as string), 0),
  "*": (v) => {
    if (v.length === 0) throw new TypeError("Reduce of empty array with no initial value");
    return v.reduce((a, b) => parseFloat(a as string) * parseFloat(b as string));
  },
  "-": (v) => (v[1] === undefined ? -(v[0] as number) : (v[0] as number) - (v[1] as number)),
  "/": (v) => (v[0] as number) / (v[1] as number),
  min: (v) => Math.min(...(v as number[])),
  max: (v) => Math.max(...(v as number[])),
  merge: (v) => v.reduce<unknown[]>((a, b) => a.concat(b), []),
};

/** The same operations with two arguments, without an array per call: these run once per item. */
const BINARY_FNS: Record<string, (a: unknown, b: unknown) => unknown> = {
  "==": (a, b) => a == b,
  "===": (a, b) => a === b,
  "!=": (a, b) => a != b,
  "!==": (a, b) => a !== b,
  ">": (a, b) => (a as number) > (b as number),
  ">=": (a, b) => (a as number) >= (b as number),
  "<": (a, b) => (a as number) < (b as number),
  "<=": (a, b) => (a as number) <= (b as number),
  in: (a, b) => {
    const list = b as { indexOf?: (x: unknown) => number } | null | undefined;
    if (!list || typeof list.indexOf === "undefined") return false;
    return list.indexOf(a) !== -1;
  },
};
/* eslint-enable eqeqeq */

/**
 * Arguments json-logic-js throws on whatever the data: refused when the policy is loaded, not found out
 * as an evaluation error on every snapshot. (`missing_some` given a rule for its keys is checked when it runs.)
 */
const ARGUMENT_CHECKS: Record<string, (args: unknown[]) => string | undefined> = {
  "*": (args) => (args.length === 0 ? `"*" needs at least one argument` : undefined),
  missing_some: (args) =>
    args.length === 2 && (Array.isArray(args[1]) || isLogic(args[1])) ? undefined : `"missing_some" takes [minimum, [keys...]]`,
};

/**
 * Compile a rule once into a closure. Throws RuleError naming the path of an unknown operation.
 * The closure never reads globals: the clock and params come in through `scope`.
 */
export function compileRule(rule: unknown, options: CompileOptions = {}): CompiledRule {
  return compileNode(rule, options.path ?? "", 0, options.scoped ?? false, options.hoist ?? true).run;
}

// What a compiled node's value depends on. A node that reads neither the data nor `computed`
// gives the same value for every item of a per-item policy: it is evaluated once per scope
// (per policy and snapshot) instead of once per user, which keeps loops like "the names of the
// snapshot's admin roles" out of a 100,000-user evaluation.
const READS_DATA = 1;
const READS_COMPUTED = 2;
const READS_SCOPE = 4;
const IS_OPERATION = 8;

interface Node {
  run: CompiledRule;
  reads: number;
}

const constant = (value: unknown): Node => ({ run: () => value, reads: 0 });

/** Each hoisted node's place in a scope's memo. */
let nextMemoSlot = 0;

/**
 * Evaluate once per scope object; a throw is not remembered, so it happens again, as before. The value is kept
 * in the scope itself, so it lives exactly as long as the evaluation that made it. (A WeakMap keyed by scope,
 * as before, held an entry for every policy and snapshot until the next full collection: for 2,000 tenants,
 * hundreds of thousands of entries that every lookup and every collection had to wade through.)
 */
function once(run: CompiledRule): CompiledRule {
  const slot = nextMemoSlot++;
  return (data, scope) => {
    let memo = scope.memo;
    // A scope copied with its memo ({ ...scope, roots: other }) is a new scope: it starts an empty memo.
    if (memo === undefined || memo.owner !== scope) memo = scope.memo = { owner: scope, values: new Map() };
    const seen = memo.values.get(slot);
    if (seen !== undefined) return seen.value;
    const value = run(data, scope);
    memo.values.set(slot, { value });
    return value;
  };
}

/** An item-invariant operation is wrapped in `once`; everything else runs as compiled. */
function finish(node: Node, hoist: boolean): Node {
  const invariant = (node.reads & (READS_DATA | READS_COMPUTED)) === 0;
  if (hoist && invariant && (node.reads & IS_OPERATION) !== 0 && (node.reads & READS_SCOPE) !== 0) {
    return { run: once(node.run), reads: node.reads };
  }
  return node;
}

/** What a loop (map, filter, ...) reads: its list, and its body's reads other than its own item. */
function loopReads(list: Node, ...bodies: Node[]): number {
  let reads = list.reads | IS_OPERATION;
  for (const body of bodies) reads |= body.reads & ~READS_DATA;
  return reads;
}

/** A loop's list (argument 0) and body (argument 1), compiled, and what the loop as a whole reads. */
function loopParts(sub: (i: number) => Node): { list: CompiledRule; body: CompiledRule; reads: number } {
  const listNode = sub(0);
  const bodyNode = sub(1);
  return { list: listNode.run, body: bodyNode.run, reads: loopReads(listNode, bodyNode) };
}

function readsOf(nodes: readonly Node[]): number {
  let reads = IS_OPERATION;
  for (const n of nodes) reads |= n.reads;
  return reads;
}

function compileNode(rule: unknown, path: string, depth: number, scoped: boolean, hoist: boolean): Node {
  if (depth > MAX_DEPTH) throw new RuleError(`rule nested deeper than ${MAX_DEPTH} levels`, path);
  if (Array.isArray(rule)) {
    const items = rule.map((r, i) => compileNode(r, `${path}[${i}]`, depth + 1, scoped, hoist));
    const runs = items.map((n) => n.run);
    let reads = 0;
    for (const n of items) reads |= n.reads;
    return { run: (data, scope) => runs.map((f) => f(data, scope)), reads };
  }
  if (!isLogic(rule)) return constant(rule);
  const op = Object.keys(rule)[0]!;
  const opPath = path ? `${path}.${op}` : op;
  if (!ALLOWED.has(op)) {
    throw new RuleError(`unknown JSON Logic operation "${op}"`, opPath);
  }
  const raw = rule[op];
  const args = Array.isArray(raw) ? raw : [raw];
  const misuse = ARGUMENT_CHECKS[op]?.(args);
  if (misuse) throw new RuleError(misuse, opPath);
  const sub = (i: number) => compileNode(args[i], `${opPath}[${i}]`, depth + 1, scoped, hoist);
  return finish(compileOperation(op, args, sub, scoped), hoist);
}

function compileOperation(op: string, args: unknown[], sub: (i: number) => Node, scoped: boolean): Node {
  switch (op) {
    case "var":
      return compileVar(args, sub, scoped);
    case "if":
    case "?:": {
      const nodes = args.map((_, i) => sub(i));
      const parts = nodes.map((n) => n.run);
      return {
        reads: readsOf(nodes),
        run: (data, scope) => {
          let i = 0;
          for (; i < parts.length - 1; i += 2) {
            if (truthy(parts[i]!(data, scope))) return parts[i + 1]!(data, scope);
          }
          if (parts.length === i + 1) return parts[i]!(data, scope);
          return null;
        },
      };
    }
    case "and":
    case "or": {
      const nodes = args.map((_, i) => sub(i));
      const parts = nodes.map((n) => n.run);
      // `and` stops at the first falsy value, `or` at the first truthy one; both return the last evaluated.
      const stopWhen = op === "or";
      return {
        reads: readsOf(nodes),
        run: (data, scope) => {
          let current: unknown;
          for (const p of parts) {
            current = p(data, scope);
            if (truthy(current) === stopWhen) return current;
          }
          return current;
        },
      };
    }
    case "filter":
    case "some":
    case "none": {
      const { list, body: test, reads } = loopParts(sub);
      return {
        reads,
        run: (data, scope) => {
          const items = list(data, scope);
          if (!Array.isArray(items)) return op === "filter" ? [] : op === "none";
          if (op === "filter") return items.filter((d) => truthy(test(d, scope)));
          for (const d of items) if (truthy(test(d, scope))) return op === "some";
          return op === "none";
        },
      };
    }
    case "map": {
      const { list, body: each, reads } = loopParts(sub);
      return {
        reads,
        run: (data, scope) => {
          const items = list(data, scope);
          return Array.isArray(items) ? items.map((d) => each(d, scope)) : [];
        },
      };
    }
    case "all": {
      const { list, body: test, reads } = loopParts(sub);
      return {
        reads,
        run: (data, scope) => {
          const items = list(data, scope);
          // json-logic-js 2.0.5: anything but a non-empty array (a string included) is false.
          if (!Array.isArray(items) || items.length === 0) return false;
          for (let i = 0; i < items.length; i += 1) if (!truthy(test(items[i], scope))) return false;
          return true;
        },
      };
    }
    case "reduce": {
      const { list, body: step, reads } = loopParts(sub);
      const initialNode = args.length > 2 && args[2] !== undefined ? sub(2) : constant(null);
      const initial = initialNode.run;
      return {
        reads: reads | initialNode.reads,
        run: (data, scope) => {
          const items = list(data, scope);
          const init = initial(data, scope);
          if (!Array.isArray(items)) return init;
          let accumulator = init;
          for (const current of items) accumulator = step({ current, accumulator }, scope);
          return accumulator;
        },
      };
    }
    case "missing": {
      const nodes = args.map((_, i) => sub(i));
      const parts = nodes.map((n) => n.run);
      return { reads: readsOf(nodes) | READS_DATA, run: (data, scope) => missing(parts.map((p) => p(data, scope)), data) };
    }
    case "missing_some": {
      const nodes = args.map((_, i) => sub(i));
      const parts = nodes.map((n) => n.run);
      return {
        reads: readsOf(nodes) | READS_DATA,
        run: (data, scope) => {
          const [needCount, options] = parts.map((p) => p(data, scope)) as [number, unknown[]];
          const areMissing = missing([options], data);
          return options.length - areMissing.length >= needCount ? [] : areMissing;
        },
      };
    }
  }

  const nodes = args.map((_, i) => sub(i));
  const parts = nodes.map((n) => n.run);
  const reads = readsOf(nodes);
  const standard = STANDARD_FNS[op];
  if (standard) {
    if (parts.length === 1) {
      const only = parts[0]!;
      if (op === "!") return { reads, run: (data, scope) => !truthy(only(data, scope)) };
      if (op === "!!") return { reads, run: (data, scope) => truthy(only(data, scope)) };
      return { reads, run: (data, scope) => standard([only(data, scope)]) };
    }
    if (parts.length === 2) {
      const [a, b] = parts as [CompiledRule, CompiledRule];
      const binary = BINARY_FNS[op];
      if (binary) return { reads, run: (data, scope) => binary(a(data, scope), b(data, scope)) };
      return { reads, run: (data, scope) => standard([a(data, scope), b(data, scope)]) };
    }
    return { reads, run: (data, scope) => standard(parts.map((p) => p(data, scope))) };
  }
  const domain = OPERATIONS[op]!;
  // One and two arguments are nearly every call: no spread, no temporary array per item.
  if (parts.length === 1) {
    const only = parts[0]!;
    return { reads, run: (data, scope) => domain(scope.ctx, only(data, scope)) };
  }
  if (parts.length === 2) {
    const [a, b] = parts as [CompiledRule, CompiledRule];
    return { reads, run: (data, scope) => domain(scope.ctx, a(data, scope), b(data, scope)) };
  }
  return { reads, run: (data, scope) => domain(scope.ctx, ...parts.map((p) => p(data, scope))) };
}

function missing(values: unknown[], data: unknown): unknown[] {
  const keys = Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
  const out: unknown[] = [];
  for (const key of keys) {
    const value = safeVar(data, key, undefined);
    if (value === null || value === "") out.push(key);
  }
  return out;
}

function compileVar(args: unknown[], sub: (i: number) => Node, scoped: boolean): Node {
  const fallbackNode = args.length > 1 ? sub(1) : constant(undefined);
  const fallback = fallbackNode.run;
  const path = args[0];
  if (!isLogic(path) && !Array.isArray(path)) {
    // The common case: a literal path, split once at compile time.
    const segments = splitPath(path);
    if (segments === null) return { reads: READS_DATA, run: (data) => data };
    const root = segments[0] as ScopeRoot;
    if (scoped && (SCOPE_ROOTS as readonly string[]).includes(root)) {
      const rest = segments.slice(1);
      // `computed` changes with every item; params and the snapshot do not.
      const reads = fallbackNode.reads | (root === "computed" ? READS_COMPUTED : READS_SCOPE);
      return {
        reads,
        run: (_data, scope) => {
          const fb = fallback(_data, scope);
          return readPath(scope.roots?.[root], rest, fb === undefined ? null : fb);
        },
      };
    }
    if (args.length === 1 && segments.length === 1) {
      const key = segments[0]!;
      return {
        reads: READS_DATA,
        run: (data) => {
          if (data === null || data === undefined || (typeof data !== "object" && typeof data !== "string")) return null;
          if (!hasOwn.call(data, key)) return null;
          const v = (data as Record<string, unknown>)[key];
          return v === undefined ? null : v;
        },
      };
    }
    return {
      reads: READS_DATA | fallbackNode.reads,
      run: (data, scope) => {
        const fb = fallback(data, scope);
        return readPath(data, segments, fb === undefined ? null : fb);
      },
    };
  }
  const dynamic = sub(0).run;
  // A computed path may name anything: treat it as reading the item and `computed` both.
  return { reads: READS_DATA | READS_COMPUTED, run: (data, scope) => safeVar(data, dynamic(data, scope), fallback(data, scope)) };
}

/**
 * Every literal `var` path a rule reads, in order of appearance (for evidence and locations).
 * Paths inside map/filter/reduce bodies are relative to the items and are left out.
 */
export function varPaths(rule: unknown, out: string[] = []): string[] {
  if (Array.isArray(rule)) {
    for (const r of rule) varPaths(r, out);
    return out;
  }
  if (!isLogic(rule)) return out;
  const op = Object.keys(rule)[0]!;
  const raw = rule[op];
  const args = Array.isArray(raw) ? raw : [raw];
  if (op === "var") {
    if (typeof args[0] === "string" && args[0] !== "" && !out.includes(args[0])) out.push(args[0]);
    return out;
  }
  if (["map", "filter", "reduce", "all", "some", "none"].includes(op)) {
    varPaths(args[0], out);
    return out;
  }
  for (const a of args) varPaths(a, out);
  return out;
}

// --- the reference: json-logic-js itself, with the same domain operations and the same safe `var` ---

let referenceContext: OperationContext = { asOf: 0 };
let jsonLogic: typeof JsonLogic | undefined;

/** json-logic-js, loaded on first use: scans never run the reference, so they do not pay for loading it. */
function prepareReference(): typeof JsonLogic {
  if (jsonLogic) return jsonLogic;
  jsonLogic = createRequire(import.meta.url)("json-logic-js") as typeof JsonLogic;
  for (const [name, op] of Object.entries(OPERATIONS)) {
    jsonLogic.add_operation(name, (...args: unknown[]) => op(referenceContext, ...args));
  }
  jsonLogic.add_operation("var", function (this: unknown, path: unknown, fallback: unknown) {
    return safeVar(this, path, fallback);
  });
  jsonLogic.rm_operation("method");
  jsonLogic.rm_operation("log");
  return jsonLogic;
}

/**
 * Evaluate a rule with json-logic-js (no scope roots: plain JSON Logic). Slow; used to check
 * the compiler and by `--engine reference` when debugging a policy.
 */
export function applyReference(rule: unknown, data: unknown, ctx: OperationContext): unknown {
  const reference = prepareReference();
  referenceContext = ctx;
  return reference.apply(rule as JsonLogic.RulesLogic, data as never);
}
