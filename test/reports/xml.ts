// A small strict XML 1.0 reader for tests: throws on anything not well-formed, returns an element tree to assert on.
// (No XML parser is among the project's dependencies; this covers what the JUnit report may contain.)

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element, entities decoded. */
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;
const INVALID_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Decode entity and character references; throw on a bare `&`, an unknown entity or a reference to a forbidden character. */
function decode(raw: string, where: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) throw new Error(`bare & at offset ${where}`);
    if (ref in PREDEFINED) return PREDEFINED[ref]!;
    const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
    if (!m) throw new Error(`unknown entity &${ref}; at offset ${where}`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
    if (!isXmlChar(cp)) throw new Error(`character reference &${ref}; is not an XML 1.0 character (offset ${where})`);
    return String.fromCodePoint(cp);
  });
}

/** Parse a whole document; throws an Error naming the first problem. */
export function parseXml(doc: string): XmlElement {
  const bad = INVALID_CHAR.exec(doc);
  if (bad) throw new Error(`invalid XML character U+${bad[0].codePointAt(0)!.toString(16).padStart(4, "0")} at offset ${bad.index}`);
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  if (doc.startsWith("<?xml")) {
    const end = doc.indexOf("?>");
    if (end < 0) throw new Error("unterminated XML declaration");
    i = end + 2;
  }
  while (i < doc.length) {
    if (doc[i] !== "<") {
      const next = doc.indexOf("<", i);
      const raw = doc.slice(i, next < 0 ? doc.length : next);
      if (raw.includes("]]>")) throw new Error(`"]]>" in character data at offset ${i}`);
      const text = decode(raw, i);
      if (stack.length === 0) {
        if (text.trim() !== "") throw new Error(`text outside the root element at offset ${i}`);
      } else stack[stack.length - 1]!.text += text;
      i = next < 0 ? doc.length : next;
      continue;
    }
    if (doc.startsWith("<!--", i)) {
      const end = doc.indexOf("-->", i + 4);
      if (end < 0 || doc.slice(i + 4, end).includes("--")) throw new Error(`bad comment at offset ${i}`);
      i = end + 3;
      continue;
    }
    if (doc.startsWith("<![CDATA[", i)) {
      if (stack.length === 0) throw new Error(`CDATA outside the root element at offset ${i}`);
      const end = doc.indexOf("]]>", i);
      if (end < 0) throw new Error(`unterminated CDATA at offset ${i}`);
      stack[stack.length - 1]!.text += doc.slice(i + 9, end);
      i = end + 3;
      continue;
    }
    if (doc.startsWith("<?", i)) {
      const end = doc.indexOf("?>", i);
      if (end < 0) throw new Error(`unterminated processing instruction at offset ${i}`);
      i = end + 2;
      continue;
    }
    if (doc.startsWith("</", i)) {
      const name = NAME.exec(doc.slice(i + 2))?.[0];
      const close = /^\s*>/.exec(doc.slice(i + 2 + (name?.length ?? 0)));
      const open = stack.pop();
      if (!name || !close || !open || open.name !== name) throw new Error(`mismatched end tag </${name}> for <${open?.name}> at offset ${i}`);
      i += 2 + name.length + close[0].length;
      continue;
    }
    // Start tag.
    const name = NAME.exec(doc.slice(i + 1))?.[0];
    if (!name) throw new Error(`bad tag name at offset ${i}`);
    let j = i + 1 + name.length;
    const element: XmlElement = { name, attributes: {}, children: [], text: "" };
    for (;;) {
      const ws = /^\s*/.exec(doc.slice(j))![0];
      j += ws.length;
      if (doc.startsWith("/>", j) || doc[j] === ">") break;
      if (ws === "") throw new Error(`missing space before attribute in <${name}> at offset ${j}`);
      const attr = /^([A-Za-z_:][A-Za-z0-9_.:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(doc.slice(j));
      if (!attr) throw new Error(`bad attribute in <${name}> at offset ${j}`);
      if (attr[1]! in element.attributes) throw new Error(`duplicate attribute ${attr[1]} in <${name}> at offset ${j}`);
      element.attributes[attr[1]!] = decode(attr[3] ?? attr[4] ?? "", j);
      j += attr[0].length;
    }
    if (stack.length === 0) {
      if (root) throw new Error(`second root element <${name}> at offset ${i}`);
      root = element;
    } else stack[stack.length - 1]!.children.push(element);
    if (doc.startsWith("/>", j)) {
      i = j + 2;
    } else {
      stack.push(element);
      i = j + 1;
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error("no root element");
  return root;
}

/** Every descendant element with this name, depth first. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}
