// Source positions in JSON text, computed only for the paths asked for, in one pass.
// A 25 MB snapshot is parsed with JSON.parse; this scanner runs only when findings need lines,
// descends only into the members on a wanted path and skips everything else without parsing it.

interface TrieNode {
  /** By key; none for a leaf (most nodes: one per finding), which then costs no Map. */
  children?: Map<string, TrieNode>;
  /** The children whose keys are list indices, by number: a list of 100,000 users is walked without a String(i) each. */
  indexed?: Map<number, TrieNode>;
  offset: number;
}

function newNode(): TrieNode {
  return { children: undefined, indexed: undefined, offset: -1 };
}

const INDEX = /^(?:0|[1-9]\d*)$/;

/** JSON whitespace; compared inline because this runs once per character of a 250 MB file. */
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
  visit(node: TrieNode): void {
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
  const root = newNode();
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      let child = node.children?.get(key);
      if (!child) {
        child = newNode();
        (node.children ??= new Map()).set(key, child);
        if (INDEX.test(key)) (node.indexed ??= new Map()).set(Number(key), child);
      }
      node = child;
    }
  }
  const scanner = new Scanner(text);
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
