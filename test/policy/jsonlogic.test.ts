import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyReference, compileRule, RuleError, truthy } from "../../src/policy/jsonlogic.js";

const scope = { ctx: { asOf: Date.parse("2026-06-01T00:00:00Z") } };
const run = (rule: unknown, data: unknown = {}) => compileRule(rule)(data, scope);

describe("the JSON Logic compiler", () => {
  it("evaluates the standard operations like json-logic-js", () => {
    expect(run({ "==": [1, "1"] })).toBe(true);
    expect(run({ "===": [1, "1"] })).toBe(false);
    expect(run({ "<": [1, { var: "x" }, 3] }, { x: 2 })).toBe(true);
    expect(run({ "+": ["1", 2] })).toBe(3);
    expect(run({ cat: ["a", null, 1] })).toBe("a1");
    expect(run({ if: [false, 1, true, 2, 3] })).toBe(2);
    expect(run({ and: [] })).toBeUndefined();
    expect(run({ all: [[], true] })).toBe(false);
    expect(run({ reduce: [[1, 2, 3], { "+": [{ var: "accumulator" }, { var: "current" }] }, 10] })).toBe(16);
    expect(run({ missing: ["a", "b.c"] }, { a: 1, b: { c: "" } })).toEqual(["b.c"]);
    expect(run({ missing_some: [1, ["a", "b"]] }, { b: 1 })).toEqual([]);
  });

  it("resolves params, computed and snapshot from inside loops when scoped", () => {
    const rule = compileRule(
      { some: [{ var: "users" }, { in: [{ var: "role" }, { var: "params.adminRoles" }] }] },
      { scoped: true },
    );
    const roots = { params: { adminRoles: ["admin"] } };
    expect(rule({ users: [{ role: "user" }, { role: "admin" }] }, { ...scope, roots })).toBe(true);
    expect(rule({ users: [{ role: "user" }] }, { ...scope, roots })).toBe(false);
  });

  it("never reaches inherited properties or functions through var", () => {
    for (const path of ["constructor", "__proto__", "toString", "a.constructor.name", "hasOwnProperty", "a.__proto__"]) {
      expect(run({ var: path }, { a: {} }), path).toBeNull();
      expect(applyReference({ var: path }, { a: {} }, scope.ctx), path).toBeNull();
    }
    expect(run({ var: "length" }, [1, 2])).toBe(2);
  });

  it("refuses unknown operations, method and log, naming where they are", () => {
    expect(() => compileRule({ and: [true, { method: ["x", "toString"] }] }, { path: "assert" })).toThrowError(RuleError);
    try {
      compileRule({ and: [true, { frobnicate: [] }] }, { path: "assert" });
    } catch (e) {
      expect((e as RuleError).path).toBe("assert.and[1].frobnicate");
    }
    expect(() => compileRule({ log: "x" })).toThrowError(/unknown JSON Logic operation "log"/);
  });

  it("refuses rules nested without end", () => {
    let rule: unknown = true;
    for (let i = 0; i < 1000; i += 1) rule = { "!": [rule] };
    expect(() => compileRule(rule)).toThrowError(/nested deeper/);
  });

  it("passes the clock to domain operations instead of reading it", () => {
    const rule = compileRule({ days_since: { var: "at" } });
    expect(rule({ at: "2026-05-31" }, scope)).toBe(1);
    expect(rule({ at: "2026-05-31" }, { ctx: { asOf: Date.parse("2026-06-03T00:00:00Z") } })).toBe(3);
  });
});

// Generated rules over generated data: the compiler must agree with json-logic-js (the reference),
// wherever the reference itself does not throw.
const KEYS = ["a", "b", "c", "items", "n"];
const scalar = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom("", "a", "1", "2026-05-01", "10.2.0", "https://x.example", "0"),
  fc.boolean(),
  fc.constant(null),
);
const data = fc.dictionary(
  fc.constantFrom(...KEYS),
  fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(fc.constantFrom(...KEYS), scalar, { maxKeys: 3 })),
  { maxKeys: 5 },
);
const varPath = fc.oneof(fc.constantFrom(...KEYS), fc.constantFrom("a.b", "items.0", "c.a", "", "n.length"));

const { rule } = fc.letrec((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    varPath.map((p) => ({ var: p })),
    fc.tuple(varPath, scalar).map(([p, d]) => ({ var: [p, d] })),
    fc.tuple(fc.constantFrom("==", "===", "!=", "!==", ">", ">=", "<", "<=", "+", "-", "*", "/", "%", "in", "cat", "min", "max", "merge"), fc.array(tie("rule"), { minLength: 1, maxLength: 3 })).map(([op, args]) => ({ [op]: args })),
    fc.tuple(fc.constantFrom("!", "!!"), tie("rule")).map(([op, a]) => ({ [op]: [a] })),
    fc.tuple(fc.constantFrom("and", "or", "if", "?:"), fc.array(tie("rule"), { maxLength: 5 })).map(([op, args]) => ({ [op]: args })),
    fc.tuple(fc.constantFrom("map", "filter", "all", "some", "none"), varPath, tie("rule")).map(([op, p, body]) => ({ [op]: [{ var: p }, body] })),
    fc.tuple(varPath, tie("rule"), scalar).map(([p, body, init]) => ({ reduce: [{ var: p }, body, init] })),
    fc.array(varPath, { maxLength: 3 }).map((keys) => ({ missing: keys })),
    fc.tuple(fc.constantFrom("days_since", "version_lt", "url_scheme", "is_loopback", "tls_at_least", "count", "intersects", "latest"), fc.array(tie("rule"), { minLength: 1, maxLength: 2 })).map(([op, args]) => ({ [op]: args })),
    fc.tuple(tie("rule"), fc.integer({ min: -3, max: 3 }), fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined })).map(([s, a, b]) => ({ substr: b === undefined ? [s, a] : [s, a, b] })),
  ),
}));

function same(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

describe("compiled rules agree with json-logic-js", () => {
  it("on generated rules and data", () => {
    fc.assert(
      fc.property(rule, data, (r, d) => {
        let expected: unknown;
        try {
          expected = applyReference(r, d, scope.ctx);
        } catch {
          return true; // the reference throws (e.g. "*" with no arguments): nothing to agree with
        }
        const actual = compileRule(r)(d, scope);
        if (!same(actual, expected)) {
          throw new Error(`rule ${JSON.stringify(r)} data ${JSON.stringify(d)}: compiled ${JSON.stringify(actual)}, reference ${JSON.stringify(expected)}`);
        }
        return truthy(actual) === truthy(expected);
      }),
      { numRuns: 3000, seed: 20261129 },
    );
  });
});

// Item-invariant subexpressions (reading only params, the snapshot and the clock) are evaluated once per
// scope: what the engine gives each policy x snapshot. Hoisting must never change a value.
describe("subexpressions that do not depend on the item", () => {
  const adminNames = { merge: [{ var: "params.adminRoles" }, { map: [{ filter: [{ var: "snapshot.roles" }, { var: "admin" }] }, { var: "name" }] }] };
  const isAdmin = { intersects: [{ var: "roles" }, adminNames] };

  it("are computed once per scope, not once per item", () => {
    let reads = 0;
    const params = Object.defineProperty({}, "adminRoles", { enumerable: true, get: () => { reads += 1; return ["admin"]; } });
    const rule = compileRule(isAdmin, { scoped: true });
    const scope = { ...scopeBase(), roots: { params, snapshot: { roles: [{ name: "owner", admin: true }] } } };
    const verdicts = Array.from({ length: 1000 }, (_, i) => rule({ roles: [i % 3 === 0 ? "owner" : i % 3 === 1 ? "admin" : "user"] }, scope));
    expect(reads).toBe(1);
    expect(verdicts.filter(Boolean)).toHaveLength(667);
    // A new scope (the next policy or snapshot) sees its own params.
    rule({ roles: [] }, { ...scope });
    expect(reads).toBe(2);
  });

  it("are not cached when they read computed values, which change with every item", () => {
    const rule = compileRule({ "+": [{ var: "computed.n" }, { var: "params.k" }] }, { scoped: true });
    const computed: Record<string, unknown> = {};
    const scope = { ...scopeBase(), roots: { params: { k: 1 }, computed } };
    const out = [1, 2, 3].map((n) => {
      computed.n = n;
      return rule({}, scope);
    });
    expect(out).toEqual([2, 3, 4]);
  });

  it("give the same values as compiling without hoisting, on generated rules, items and scopes", () => {
    const scopedPath = fc.constantFrom("params.a", "params.items", "snapshot.c", "snapshot.items", "computed.n", "computed.items");
    const { scopedRule } = fc.letrec((tie) => ({
      scopedRule: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        rule,
        scopedPath.map((p) => ({ var: p })),
        fc.tuple(fc.constantFrom("==", "<", "+", "in", "cat", "merge", "min"), fc.array(tie("scopedRule"), { minLength: 1, maxLength: 3 })).map(([op, args]) => ({ [op]: args })),
        fc.tuple(fc.constantFrom("and", "or", "if"), fc.array(tie("scopedRule"), { maxLength: 4 })).map(([op, args]) => ({ [op]: args })),
        fc.tuple(fc.constantFrom("map", "filter", "all", "some", "none"), fc.oneof(scopedPath, varPath), tie("scopedRule")).map(([op, p, body]) => ({ [op]: [{ var: p }, body] })),
        fc.tuple(fc.oneof(scopedPath, varPath), tie("scopedRule")).map(([p, body]) => ({ reduce: [{ var: p }, body, 0] })),
        fc.tuple(fc.constantFrom("intersects", "count", "latest", "days_since"), fc.array(tie("scopedRule"), { minLength: 1, maxLength: 2 })).map(([op, args]) => ({ [op]: args })),
      ),
    }));
    const attempt = (f: () => unknown) => {
      try {
        return { value: f() };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    fc.assert(
      fc.property(scopedRule, fc.array(data, { minLength: 1, maxLength: 4 }), data, data, fc.array(data, { minLength: 4, maxLength: 4 }), (r, items, params, snapshot, computedPerItem) => {
        const hoisted = compileRule(r, { scoped: true });
        const plain = compileRule(r, { scoped: true, hoist: false });
        const computed: Record<string, unknown> = {};
        const scope = { ...scopeBase(), roots: { params, snapshot, computed } };
        items.forEach((item, i) => {
          Object.assign(computed, computedPerItem[i]);
          const a = attempt(() => hoisted(item, scope));
          const b = attempt(() => plain(item, scope));
          if (!same(a, b)) throw new Error(`rule ${JSON.stringify(r)} item ${i}: hoisted ${JSON.stringify(a)}, plain ${JSON.stringify(b)}`);
        });
        return true;
      }),
      { numRuns: 1500, seed: 20260601 },
    );
  });

  it("agree with json-logic-js when one scope is reused across many items", () => {
    fc.assert(
      fc.property(rule, fc.array(data, { minLength: 2, maxLength: 5 }), (r, items) => {
        const compiled = compileRule(r);
        const shared = scopeBase();
        for (const d of items) {
          let expected: unknown;
          try {
            expected = applyReference(r, d, shared.ctx);
          } catch {
            continue;
          }
          const actual = compiled(d, shared);
          if (!same(actual, expected)) throw new Error(`rule ${JSON.stringify(r)} data ${JSON.stringify(d)}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
        }
        return true;
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});

function scopeBase() {
  return { ctx: { asOf: Date.parse("2026-06-01T00:00:00Z") } };
}
