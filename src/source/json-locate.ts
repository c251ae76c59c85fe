// Source positions in JSON text, computed only for the paths asked for, in one pass.
// A 25 MB snapshot is parsed with JSON.parse; this scanner runs only when findings need lines,
// descends only into the members on a wanted path and skips everything else without parsing it.

/**
 * A step of the wanted paths. Built once per scan for ~15,000 paths, in code that has not been optimised
 * yet: a Map per node cost ~2 µs each (30 ms for a snapshot of 100,000 users), so the first child (most
 * nodes have one: a user with one finding) is held inline and only further ones in a Map.
 */
interface TrieNode {
  parent: TrieNode | undefined;
  offset: number;
  firstKey: string | undefined;
  first: TrieNode | undefined;
  /** Further children whose keys are list indices, by number: a list of 100,000 users is walked without a String(i) each. */
  indexed: Map<number, TrieNode> | undefined;
  /** Further children by any other key. */
  others: Map<string, TrieNode> | undefined;
  /** Children in all, for the members of an object still to be found. */
  count: number;
  /** The indices of the children, in order; made when the node is walked as a list. */
  indices: Float64Array | undefined;
  /** Passes the members of an object that are not children; null where there is none (see passOthers). */
  passOthers: RegExp | null | undefined;
}

function newNode(parent: TrieNode | undefined): TrieNode {
  return { parent, offset: -1, firstKey: undefined, first: undefined, indexed: undefined, others: undefined, count: 0, indices: undefined, passOthers: undefined };
}

/** A list index: digits without a leading zero, few enough to be a number exactly (no two keys alike). */
function isIndex(key: string): boolean {
  if (key.length > 15) return false;
  const first = key.charCodeAt(0);
  if (first === 0x30) return key.length === 1;
  if (!(first > 0x30 && first <= 0x39)) return false;
  for (let i = 1; i < key.length; i += 1) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function childOf(node: TrieNode, key: string): TrieNode | undefined {
  if (key === node.firstKey) return node.first;
  return node.indexed !== undefined && isIndex(key) ? node.indexed.get(Number(key)) : node.others?.get(key);
}

function addChild(node: TrieNode, key: string): TrieNode {
  const child = newNode(node);
  if (node.first === undefined) {
    node.firstKey = key;
    node.first = child;
  } else if (isIndex(key)) {
    (node.indexed ??= new Map()).set(Number(key), child);
  } else {
    (node.others ??= new Map()).set(key, child);
  }
  node.count += 1;
  return child;
}

/** The child at a list index, if wanted. */
function childAt(node: TrieNode, index: number): TrieNode | undefined {
  return node.firstKey !== undefined && index === Number(node.firstKey) && isIndex(node.firstKey) ? node.first : node.indexed?.get(index);
}

/** The indices of a node's children, in order (a typed array sorts numerically in native code, without a comparator). */
function indexChildren(node: TrieNode): Float64Array {
  if (node.indices !== undefined) return node.indices;
  const indices = new Float64Array((node.indexed?.size ?? 0) + 1);
  let n = 0;
  if (isIndex(node.firstKey!)) indices[n++] = Number(node.firstKey);
  node.indexed?.forEach((_, index) => {
    indices[n++] = index;
  });
  node.indices = indices.subarray(0, n).sort();
  return node.indices;
}

// Skipping is done by V8's regular expressions, which run as native code: a charCodeAt loop costs
// ~4 ns a character, one match over a whole user record ~0.7. Every repetition is bounded, because
// irregexp keeps a backtrack entry per iteration: one pattern over a list of a million items would
// overflow its stack (a RangeError after half a second). What the bounds leave over is walked level
// by level (skipLevels), so any size and depth is skipped, only in more steps.
/**
 * A string, quotes included; an escaped character is taken whole, as endOfString does. The escapes are bounded
 * too: each one is a backtrack entry, and a string of six million of them (a 12 MB value, valid JSON) overflowed
 * irregexp's stack, which failed the whole snapshot. A string with more is left to endOfString, as the patterns
 * that use this one stop in front of it.
 */
const ESCAPES_PER_STRING = 64;
const STRING = String.raw`"[^"\\]*(?:\\[\s\S][^"\\]*){0,${ESCAPES_PER_STRING}}"`;
/** A run of characters that neither open a string nor open or close a container. */
const PLAIN = String.raw`[^"{}\[\]]*`;
/** Items (strings and nested containers) one pattern takes at one level. */
const ITEMS_PER_MATCH = 32;
/** Containers one pattern takes nested inside each other: a user record with its list of roles is 2. */
const NESTING_PER_MATCH = 3;

/**
 * Items of one level: plain runs, strings and containers nested less than `nesting` deep. As everywhere
 * here, any opening bracket pairs with any closing one: brackets are counted, not checked.
 */
function levelPattern(nesting: number): string {
  const item = nesting === 0 ? STRING : `(?:${STRING}|${containerPattern(nesting)})`;
  return `${PLAIN}(?:${item}${PLAIN}){0,${ITEMS_PER_MATCH}}`;
}

function containerPattern(nesting: number): string {
  return String.raw`[\[{]${levelPattern(nesting - 1)}[\]}]`;
}

/** A whole container, when it is small enough: every user record of a snapshot is one match. */
const SMALL_CONTAINER = new RegExp(containerPattern(NESTING_PER_MATCH), "y");
/** As much of one level as a match takes; it stops before a bracket of this level, or when the bounds run out. */
const LEVEL = new RegExp(levelPattern(NESTING_PER_MATCH), "y");

/**
 * Runs of 2^k list elements, each with the comma after it: the users between two wanted ones are passed
 * in two or three matches rather than one each. A literal is taken as the characters a number, true,
 * false or null is made of; anything else (a larger element, text that is not JSON) makes the run fail
 * and the element is walked one by one.
 */
const ELEMENT = String.raw`[ \t\n\r]*(?:${STRING}|${containerPattern(NESTING_PER_MATCH)}|[-+.\w]+)[ \t\n\r]*,`;
const RUNS = [1, 2, 4, 8, 16].map((n) => new RegExp(`(?:${ELEMENT}){${n}}`, "y"));

/**
 * Members of an object, each with its comma, as long as their keys are not among `keys`: the members of a
 * user before the one a finding names are passed in one match. A key with an escape stops it, because
 * it could be a wanted one written otherwise ("na\u006de"); the member loop then reads it.
 */
function otherMembersPattern(keys: readonly string[]): RegExp {
  const wanted = keys.map((k) => k.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")).join("|");
  const value = String.raw`(?:${STRING}|${containerPattern(NESTING_PER_MATCH)}|[-+.\w]+)`;
  const member = String.raw`[ \t\n\r]*(?!"(?:${wanted})")"[^"\\]*"[ \t\n\r]*:[ \t\n\r]*${value}[ \t\n\r]*,`;
  return new RegExp(`(?:${member}){0,${ITEMS_PER_MATCH}}`, "y");
}

/** Patterns by the keys they let through, one key or several: few sets recur (a user's "mfa", "lastActiveAt"...). */
const otherMembersByKey = new Map<string, RegExp>();
const otherMembersByKeys = new Map<string, RegExp>();
const PATTERNS_KEPT = 32;
/** Objects with more wanted children than this are walked member by member. */
const KEYS_PER_PATTERN = 8;

function passOthers(node: TrieNode): RegExp | null {
  if (node.passOthers === undefined) {
    // Most nodes have one child: its key alone names the pattern, with no list written out for it.
    node.passOthers =
      node.count === 1 ? patternFor(otherMembersByKey, node.firstKey!, () => [node.firstKey!])
      : node.count <= KEYS_PER_PATTERN ? patternFor(otherMembersByKeys, JSON.stringify(childKeys(node)), () => childKeys(node))
      : null;
  }
  return node.passOthers;
}

function patternFor(cache: Map<string, RegExp>, signature: string, keys: () => string[]): RegExp | null {
  let pattern = cache.get(signature);
  if (pattern === undefined) {
    if (otherMembersByKey.size + otherMembersByKeys.size >= PATTERNS_KEPT) return null;
    pattern = otherMembersPattern(keys());
    cache.set(signature, pattern);
  }
  return pattern;
}

function childKeys(node: TrieNode): string[] {
  const keys = [node.firstKey!];
  node.indexed?.forEach((_, index) => keys.push(String(index)));
  node.others?.forEach((_, key) => keys.push(key));
  return keys;
}

/** JSON whitespace; compared inline because this runs between every member and element. */
function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length && isWhitespace(t.charCodeAt(this.pos))) this.pos += 1;
  }

  /** Position after the string starting at `from` (a quote), or the end of the text if it is not closed. */
  endOfString(from: number): number {
    const t = this.text;
    let i = from + 1;
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
    const end = this.endOfString(start);
    this.pos = end;
    const raw = this.text.slice(start + 1, end - 1);
    return raw.includes("\\") ? (JSON.parse(this.text.slice(start, end)) as string) : raw;
  }

  /**
   * The wanted child named by the key at this.pos, which it passes. A key without escapes is compared
   * where it stands when the node has one child (most users): no string is cut out of the text for it.
   */
  matchKey(node: TrieNode): TrieNode | undefined {
    const t = this.text;
    const open = this.pos;
    let close = open + 1;
    let c = t.charCodeAt(close);
    while (c !== 0x22 && c !== 0x5c && close < t.length) c = t.charCodeAt((close += 1));
    if (c !== 0x22) return childOf(node, this.readKey()); // escapes, or the text ends: decoded as ever
    this.pos = close + 1;
    if (node.count > 1) return childOf(node, t.slice(open + 1, close));
    const key = node.firstKey!;
    return key.length === close - open - 1 && t.startsWith(key, open + 1) ? node.first : undefined;
  }

  /** Skip one value of any kind without building it. */
  skipValue(): void {
    const t = this.text;
    this.skipWs();
    const c = t.charCodeAt(this.pos);
    if (c === 0x22) {
      this.pos = this.endOfString(this.pos);
      return;
    }
    if (c === 0x7b || c === 0x5b) {
      SMALL_CONTAINER.lastIndex = this.pos;
      this.pos = SMALL_CONTAINER.test(t) ? SMALL_CONTAINER.lastIndex : this.skipLevels(this.pos + 1, 1);
      return;
    }
    // number, true, false, null
    while (this.pos < t.length) {
      const d = t.charCodeAt(this.pos);
      if (d === 0x2c || d === 0x7d || d === 0x5d || isWhitespace(d)) break;
      this.pos += 1;
    }
  }

  /**
   * Position after the bracket that closes `depth` open containers, counting brackets outside strings
   * from `from`; the end of the text if they are not closed.
   */
  skipLevels(from: number, depth: number): number {
    const t = this.text;
    let pos = from;
    for (;;) {
      LEVEL.lastIndex = pos;
      LEVEL.test(t); // matches, if only the empty string
      pos = LEVEL.lastIndex;
      const c = t.charCodeAt(pos);
      if (c === 0x7b || c === 0x5b) {
        depth += 1;
        pos += 1;
      } else if (c === 0x7d || c === 0x5d) {
        pos += 1;
        depth -= 1;
        if (depth === 0) return pos;
      } else if (c === 0x22) {
        // A string the bounds left over, or one never closed.
        pos = this.endOfString(pos);
      } else {
        return t.length;
      }
    }
  }

  /** Pass up to `count` elements of a list, commas included, in whole runs; how many were passed. */
  skipElements(count: number): number {
    const t = this.text;
    let passed = 0;
    let k = RUNS.length - 1;
    while (passed < count) {
      const left = count - passed;
      while (1 << k > left) k -= 1;
      const run = RUNS[k]!;
      run.lastIndex = this.pos;
      if (!run.test(t)) return passed;
      this.pos = run.lastIndex;
      passed += 1 << k;
    }
    return passed;
  }

  /** Walk the value at this.pos, recording offsets for the trie's nodes. */
  visit(node: TrieNode): void {
    this.skipWs();
    if (node.offset === -1) node.offset = this.pos;
    if (node.first === undefined) {
      this.skipValue();
      return;
    }
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x7b) this.visitObject(node);
    else if (c === 0x5b) this.visitList(node);
    else this.skipValue();
  }

  private visitObject(node: TrieNode): void {
    const t = this.text;
    this.pos += 1;
    let remaining = node.count;
    const others = passOthers(node);
    // Members are passed in whole runs only from the start of one: after "{" or a comma.
    let atMember = true;
    for (;;) {
      if (atMember && others !== null && remaining > 0) {
        others.lastIndex = this.pos;
        others.test(t); // matches, if only the empty string
        this.pos = others.lastIndex;
      }
      atMember = false;
      this.skipWs();
      if (t.charCodeAt(this.pos) === 0x7d || this.pos >= t.length) {
        this.pos += 1;
        return;
      }
      if (t.charCodeAt(this.pos) === 0x2c) {
        this.pos += 1;
        atMember = true;
        continue;
      }
      if (remaining === 0) {
        // A key seen twice counts twice (the later one wins), so this can come before every child was seen.
        this.pos = this.skipLevels(this.pos, 1);
        return;
      }
      const keyAt = this.pos;
      const child = this.matchKey(node);
      this.skipWs();
      this.pos += 1; // ':'
      if (child) {
        remaining -= 1;
        child.offset = keyAt;
        this.visitMember(child);
      } else {
        this.skipValue();
      }
    }
  }

  private visitList(node: TrieNode): void {
    const t = this.text;
    this.pos += 1;
    const indices = indexChildren(node);
    let next = 0;
    let index = 0;
    // Whole runs of elements are passed only from the start of one: after "[" or a comma.
    let atElement = true;
    for (;;) {
      while (next < indices.length && indices[next]! < index) next += 1;
      if (next === indices.length) {
        this.pos = this.skipLevels(this.pos, 1);
        return;
      }
      if (atElement && indices[next]! > index) index += this.skipElements(indices[next]! - index);
      this.skipWs();
      const d = t.charCodeAt(this.pos);
      if (d === 0x5d || this.pos >= t.length) {
        this.pos += 1;
        return;
      }
      if (d === 0x2c) {
        this.pos += 1;
        index += 1;
        atElement = true;
        continue;
      }
      const before = this.pos;
      if (index === indices[next]) this.visit(childAt(node, index)!);
      else this.skipValue();
      // A stray "}" in a list is no value: step over it rather than stand on it forever.
      if (this.pos === before) this.pos += 1;
      atElement = false;
    }
  }

  /** A member's own offset is its key; its children are inside its value. */
  private visitMember(node: TrieNode): void {
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
export function locateJsonPaths(text: string, paths: readonly (readonly string[])[]): Map<string, number> {
  const root = newNode(undefined);
  const ends: TrieNode[] = new Array(paths.length);
  for (let p = 0; p < paths.length; p += 1) {
    let node = root;
    for (const key of paths[p]!) node = childOf(node, key) ?? addChild(node, key);
    ends[p] = node;
  }
  new Scanner(text).visit(root);
  const out = new Map<string, number>();
  for (let p = 0; p < paths.length; p += 1) {
    // A node is reached only through its parent, so the nearest ancestor with an offset is the deepest found.
    let node = ends[p]!;
    while (node.offset === -1 && node.parent !== undefined) node = node.parent;
    out.set(paths[p]!.join("."), Math.max(0, node.offset));
  }
  return out;
}
