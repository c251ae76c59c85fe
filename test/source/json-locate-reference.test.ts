// The single-pass locator against the implementation it replaced (kept below as the reference, unchanged but
// for names): the same offsets for generated JSON in every layout, escapes, duplicates and sizes, and for
// paths that are not there; no hang and no new error on damaged text.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { locateJsonPaths } from "../../src/source/json-locate.js";

/** A JSON value as written: objects keep their members in order, duplicate keys included. */
type Doc = null | boolean | number | string | Doc[] | { members: [string, Doc][] };

const keyPool = fc.constantFrom("a", "b", "mfa", "id", "users", "0", "1", "10", "01", "na\"me", "x\\y", "é", "😀", "", " ", "}]", "a.b", "mfa2");
const scalar = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }), fc.string({ unit: "grapheme", maxLength: 4 }), fc.constantFrom("\"", "\\", "a\\\"b", "{[", "]}", ",", "\\\\"),
);
const doc: fc.Arbitrary<Doc> = fc.letrec<{ v: Doc }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(keyPool, fc.string({ maxLength: 4 })), tie("v")), { maxLength: 5 }).map((members) => ({ members })),
    // Wider and deeper than one pattern takes (32 items, 3 levels): the skipping falls back to walking levels.
    fc.array(scalar, { minLength: 30, maxLength: 80 }),
    fc.tuple(fc.nat(7), tie("v")).map(([depth, v]) => {
      let out: Doc = v;
      for (let i = 0; i < depth; i += 1) out = i % 2 ? [out, 1] : { members: [["a", out], ["mfa", [out]]] };
      return out;
    }),
  ),
})).v;

const SPACES = ["", " ", "  ", "\t", "\n", "\r\n", "\n    ", " \r\n\t"];

/** JSON text of a doc, with whitespace from `spaces` (cycled) and characters escaped where `escapes` says. */
function write(d: Doc, spaces: string[], escapes: boolean[]): string {
  let s = 0;
  let e = 0;
  const ws = () => spaces[s++ % spaces.length]!;
  const str = (v: string) => {
    let out = '"';
    for (const ch of v) {
      for (let i = 0; i < ch.length; i += 1) {
        const code = ch.charCodeAt(i);
        const escape = escapes.length > 0 && escapes[e++ % escapes.length]!;
        if (ch === '"' || ch === "\\" || code < 0x20 || escape) {
          out += escape ? "\\u" + code.toString(16).padStart(4, "0") : JSON.stringify(ch[i]).slice(1, -1);
        } else out += ch[i];
      }
    }
    return out + '"';
  };
  const value = (v: Doc): string => {
    if (typeof v === "string") return str(v);
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    if (Array.isArray(v)) return "[" + ws() + v.map((x) => value(x)).join(ws() + "," + ws()) + ws() + "]";
    return "{" + ws() + v.members.map(([k, x]) => str(k) + ws() + ":" + ws() + value(x)).join(ws() + "," + ws()) + ws() + "}";
  };
  return ws() + value(d) + ws();
}

/** Paths steered by `steps`: a number picks a member or element that is there (or one past the end), a string names a key. */
function pathFor(d: Doc, steps: (number | string)[]): string[] {
  const path: string[] = [];
  let at: Doc | undefined = d;
  for (const step of steps) {
    if (at !== null && typeof at === "object" && !Array.isArray(at)) {
      const member: [string, Doc] | undefined = typeof step === "number" ? at.members[step % (at.members.length + 1)] : undefined;
      path.push(member ? member[0] : String(step));
      at = member?.[1];
    } else if (Array.isArray(at)) {
      const index = typeof step === "number" ? step % (at.length + 2) : 0;
      path.push(typeof step === "number" ? String(index) : step);
      at = at[index];
    } else {
      path.push(String(step));
      at = undefined;
    }
  }
  return path;
}

const steps = fc.array(fc.oneof(fc.nat(40), fc.nat(40), keyPool), { maxLength: 6 });
const layout = fc.record({
  spaces: fc.array(fc.constantFrom(...SPACES), { minLength: 1, maxLength: 5 }),
  escapes: fc.oneof(fc.constant([] as boolean[]), fc.array(fc.boolean(), { minLength: 1, maxLength: 7 })),
});

describe("locating paths, against the implementation it replaced", () => {
  it("finds the same offsets in generated JSON, for paths that are there and paths that are not", () => {
    fc.assert(
      fc.property(doc, layout, fc.array(steps, { maxLength: 8 }), (d, { spaces, escapes }, chosen) => {
        const text = write(d, spaces, escapes);
        JSON.parse(text); // the generator writes JSON
        const paths = chosen.map((c) => pathFor(d, c));
        expect(Object.fromEntries(locateJsonPaths(text, paths))).toEqual(Object.fromEntries(referenceLocate(text, paths)));
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it("finds the same offsets in text cut short", () => {
    fc.assert(
      fc.property(doc, layout, fc.array(steps, { maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), (d, { spaces, escapes }, chosen, cut) => {
        const whole = write(d, spaces, escapes);
        const text = whole.slice(0, Math.floor(whole.length * cut));
        const paths = chosen.map((c) => pathFor(d, c));
        let expected: unknown;
        try {
          expected = Object.fromEntries(referenceLocate(text, paths));
        } catch (e) {
          expected = e;
        }
        if (expected instanceof Error) expect(() => locateJsonPaths(text, paths)).toThrow(expected.constructor as typeof Error);
        else expect(Object.fromEntries(locateJsonPaths(text, paths))).toEqual(expected);
      }),
      { numRuns: 2000, seed: 12 },
    );
  });

  it("ends on damaged text, with offsets inside it, failing only as reading a broken key does", () => {
    const damage = fc.array(fc.tuple(fc.nat(), fc.constantFrom("}", "]", "{", "[", '"', "\\", ",", ":", "x", " ")), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(doc, layout, fc.array(steps, { maxLength: 6 }), damage, (d, { spaces, escapes }, chosen, hits) => {
        const chars = [...write(d, spaces, escapes)];
        for (const [at, ch] of hits) chars[at % chars.length] = ch;
        const text = chars.join("");
        const paths = chosen.map((c) => pathFor(d, c));
        try {
          for (const offset of locateJsonPaths(text, paths).values()) expect(offset).toBeGreaterThanOrEqual(0), expect(offset).toBeLessThanOrEqual(text.length);
        } catch (e) {
          expect(e).toBeInstanceOf(SyntaxError);
        }
      }),
      { numRuns: 2000, seed: 13 },
    );
  });

  it("skips a megabyte string, a list of a hundred thousand elements and deep nesting", () => {
    const long = "x\\\"".repeat(300_000);
    const users = Array.from({ length: 100_000 }, (_, i) => ({ id: `u-${i}`, roles: ["system_user"], mfa: i % 3 === 0 }));
    const deep = JSON.parse("[".repeat(500) + "1" + "]".repeat(500)) as unknown;
    const text = JSON.stringify({ note: long, deep, users, flat: Array.from({ length: 200_000 }, (_, i) => i), last: { mfa: true } }, null, 2);
    const paths = [["users", "99999", "mfa"], ["users", "5", "roles", "0"], ["last", "mfa"], ["flat", "199999"], ["users", "100000", "mfa"], ["nope"]];
    expect(locateJsonPaths(text, paths)).toEqual(referenceLocate(text, paths));
    expect(text.slice(locateJsonPaths(text, [["last", "mfa"]]).get("last.mfa"))).toMatch(/^"mfa": true/);
  });

  it("skips strings of millions of escapes, in a list, in a skipped record and as a member before a wanted one", () => {
    // Each escape was a backtrack entry of the regular expressions: six million overflowed irregexp's stack and the
    // RangeError failed the snapshot. Valid JSON of 12 MB is an input like any other.
    const escapes = "\\n".repeat(6_000_000);
    expect(JSON.parse(`"${escapes}"`)).toHaveLength(6_000_000);
    const cases: [string, string[][]][] = [
      [`{"users":[{"id":"b","note":"${escapes}"},{"mfa":false}]}`, [["users", "1", "mfa"]]],
      [`{"users":["${escapes}",{"mfa":false}]}`, [["users", "1", "mfa"]]],
      [`{"users":[{"note":"${escapes}","mfa":false}]}`, [["users", "0", "mfa"]]],
      [`{"users":[{"id":"a"},{"id":"b","note":"${escapes}"},"${escapes}",{"note":"${escapes}","mfa":false}],"last":1}`, [["users", "3", "mfa"], ["users", "2"], ["last"]]],
    ];
    for (const [text, paths] of cases) {
      const found = locateJsonPaths(text, paths);
      expect(found).toEqual(referenceLocate(text, paths));
      const at = found.get(paths[0]!.join("."))!;
      expect(text.slice(at, at + 11)).toBe('"mfa":false');
    }
  });
});

// ---- The reference: the locator as it was before its skipping moved into regular expressions. ----

interface ReferenceNode {
  /** By key; none for a leaf (most nodes: one per finding), which then costs no Map. */
  children?: Map<string, ReferenceNode>;
  /** The children whose keys are list indices, by number: a list of 100,000 users is walked without a String(i) each. */
  indexed?: Map<number, ReferenceNode>;
  offset: number;
}

function newReferenceNode(): ReferenceNode {
  return { children: undefined, indexed: undefined, offset: -1 };
}

const INDEX = /^(?:0|[1-9]\d*)$/;

/** JSON whitespace; compared inline because this runs once per character of a 250 MB file. */
function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class ReferenceScanner {
  pos = 0;
  constructor(readonly text: string) {}

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length && isWhitespace(t.charCodeAt(this.pos))) this.pos += 1;
  }

  /** Position after the string starting at this.pos (which is a quote). */
  endOfString(): number {
    const t = this.text;
    let i = this.pos + 1;
    for (;;) {
      const q = t.indexOf('"', i);
      if (q === -1) return t.length;
      // Count the backslashes before the quote: an odd number escapes it.
      let b = q - 1;
      while (b >= i && t.charCodeAt(b) === 0x5c) b -= 1;
      if ((q - 1 - b) % 2 === 0) return q + 1;
      i = q + 1;
    }
  }

  readKey(): string {
    const start = this.pos;
    const end = this.endOfString();
    this.pos = end;
    const raw = this.text.slice(start + 1, end - 1);
    return raw.includes("\\") ? (JSON.parse(this.text.slice(start, end)) as string) : raw;
  }

  /** Skip one value of any kind without building it. */
  skipValue(): void {
    const t = this.text;
    this.skipWs();
    const c = t.charCodeAt(this.pos);
    if (c === 0x22) {
      this.pos = this.endOfString();
      return;
    }
    if (c !== 0x7b && c !== 0x5b) {
      // number, true, false, null
      while (this.pos < t.length) {
        const d = t.charCodeAt(this.pos);
        if (d === 0x2c || d === 0x7d || d === 0x5d || isWhitespace(d)) break;
        this.pos += 1;
      }
      return;
    }
    let depth = 0;
    while (this.pos < t.length) {
      const d = t.charCodeAt(this.pos);
      if (d === 0x22) {
        this.pos = this.endOfString();
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth += 1;
      else if (d === 0x7d || d === 0x5d) {
        depth -= 1;
        if (depth === 0) {
          this.pos += 1;
          return;
        }
      }
      this.pos += 1;
    }
  }

  /** Walk the value at this.pos, recording offsets for the trie's nodes. */
  visit(node: ReferenceNode): void {
    this.skipWs();
    if (node.offset === -1) node.offset = this.pos;
    if (node.children === undefined) {
      this.skipValue();
      return;
    }
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x7b) {
      this.pos += 1;
      const children = node.children;
      let remaining = children.size;
      for (;;) {
        this.skipWs();
        if (t.charCodeAt(this.pos) === 0x7d || this.pos >= t.length) {
          this.pos += 1;
          return;
        }
        if (t.charCodeAt(this.pos) === 0x2c) {
          this.pos += 1;
          continue;
        }
        const keyAt = this.pos;
        const key = this.readKey();
        this.skipWs();
        this.pos += 1; // ':'
        const child = remaining > 0 ? children.get(key) : undefined;
        if (child) {
          remaining -= 1;
          child.offset = keyAt;
          this.visitMember(child);
        } else {
          this.skipValue();
        }
      }
    } else if (c === 0x5b) {
      this.pos += 1;
      let index = 0;
      for (;;) {
        this.skipWs();
        const d = t.charCodeAt(this.pos);
        if (d === 0x5d || this.pos >= t.length) {
          this.pos += 1;
          return;
        }
        if (d === 0x2c) {
          this.pos += 1;
          index += 1;
          continue;
        }
        const child = node.indexed?.get(index);
        if (child) this.visit(child);
        else this.skipValue();
      }
    } else {
      this.skipValue();
    }
  }

  /** A member's own offset is its key; its children are inside its value. */
  private visitMember(node: ReferenceNode): void {
    const keyOffset = node.offset;
    node.offset = -1;
    this.visit(node);
    node.offset = keyOffset;
  }
}

/**
 * Offsets of the given paths (arrays of keys / indices) in JSON text. A member points at its key;
 * an array element at its value. A path that does not exist resolves to its nearest existing
 * ancestor. Keys are joined with "." in the returned map.
 */
function referenceLocate(text: string, paths: readonly (readonly string[])[]): Map<string, number> {
  const root = newReferenceNode();
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      let child = node.children?.get(key);
      if (!child) {
        child = newReferenceNode();
        (node.children ??= new Map()).set(key, child);
        if (INDEX.test(key)) (node.indexed ??= new Map()).set(Number(key), child);
      }
      node = child;
    }
  }
  const scanner = new ReferenceScanner(text);
  scanner.visit(root);
  const out = new Map<string, number>();
  for (const path of paths) {
    let node = root;
    let best = root.offset;
    for (const key of path) {
      const child = node.children?.get(key);
      if (!child || child.offset === -1) break;
      node = child;
      best = child.offset;
    }
    out.set(path.join("."), Math.max(0, best));
  }
  return out;
}
