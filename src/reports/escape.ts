// Escaping and plain-text formatting shared by the text reporters (XML, Markdown, CSV), so each format escapes one way.

import type { Finding } from "../engine/types.js";
import { FRAMEWORKS } from "../policy/types.js";
import type { SourceLocation } from "../snapshot/types.js";

/** Characters XML 1.0 cannot carry at all, even as character references (C0 controls, lone surrogates, U+FFFE/FFFF). */
const XML_INVALID = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content for XML: invalid characters dropped, markup characters escaped. */
export function xmlText(value: string): string {
  return value.replace(XML_INVALID, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An attribute value for XML (double-quoted): also keeps quotes and line breaks, which attribute normalisation would turn into spaces. */
export function xmlAttr(value: string): string {
  return xmlText(value).replace(/"/g, "&quot;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");
}

/** "path:line:column", the way every text format names a location. */
export function formatLocation(location: SourceLocation): string {
  return `${location.path}:${location.line}:${location.column}`;
}

/** "iso27001-2022 A.8.13, A.8.15; soc2-2017 A1.2", frameworks in their canonical order. */
export function formatFrameworks(frameworks: Finding["frameworks"]): string {
  return FRAMEWORKS.filter((f) => frameworks[f]?.length)
    .map((f) => `${f} ${frameworks[f]!.join(", ")}`)
    .join("; ");
}

/** C0 controls and DEL (tab and line breaks excepted): invisible when rendered, parse errors in HTML, unsafe in a terminal. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function stripControlChars(value: string): string {
  return value.replace(CONTROL, "");
}

/**
 * What a terminal or a log viewer would act on rather than show: C0 controls (tab excepted) with ESC, which
 * starts colour, cursor and title sequences; DEL; the C1 range, whose U+009B is a one-character CSI; the line
 * and paragraph separators some viewers break on; and the bidirectional marks, overrides and isolates that
 * reorder the text around them ("Trojan Source").
 */
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Text for one line of a terminal or a log: the characters above written as visible escapes (`\n`, `\u001b`),
 * so a value from a snapshot can neither forge a line nor recolour, move, hide or reorder what is printed.
 */
export function terminalText(value: string): string {
  return value.replace(TERMINAL_UNSAFE, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Plain text made inert inside a Markdown line (GitHub-flavoured): inline markup, math and table pipes
 * escaped, HTML and entities disarmed, line breaks flattened so a table row stays one row, and `@`
 * followed by a zero-width space so a username in a snapshot never pings someone when the summary is
 * posted as a pull-request comment. Block syntax (`#`, `-`, `1.`) only matters at the start of a line,
 * where reporters never put a value.
 */
export function markdownText(value: string): string {
  return value
    .replace(CONTROL, "")
    .replace(/\r\n?|\n/g, " ")
    .replace(/[\\`*_[\]|~$]/g, "\\$&")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "@\u200b");
}

/**
 * A value shown verbatim as a Markdown code span (ids, paths, subjects). Mentions and markup do not
 * apply inside code spans; only the fence and, in tables, the pipe need care (GFM splits cells on `|`
 * even inside code spans, and `\|` there renders as `|`).
 */
export function markdownCode(value: string): string {
  const text = value.replace(CONTROL, "").replace(/\r\n?|\n/g, " ").replace(/\|/g, "\\|");
  // A loop, not Math.max(...runs): a value with 200,000 backticks would pass too many arguments.
  let longestRun = 0;
  for (const m of text.matchAll(/`+/g)) longestRun = Math.max(longestRun, m[0].length);
  const fence = "`".repeat(longestRun + 1);
  // CommonMark strips one space from each side of a span that both starts and ends with one.
  const pad = text.startsWith("`") || text.endsWith("`") || (text.startsWith(" ") && text.endsWith(" ")) ? " " : "";
  return text === "" ? "" : `${fence}${pad}${text}${pad}${fence}`;
}

/** Cells a spreadsheet would run as a formula (OWASP CSV injection): =, +, -, @, tab, carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One RFC 4180 field: formulas neutralised with a leading apostrophe, quoted when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One RFC 4180 record, CRLF-terminated. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** "1 policy", "3 policies", "2 findings": counts in words for every report that prints them. */
export function plural(n: number, word: string): string {
  if (n === 1) return `${n} ${word}`;
  return `${n} ${word.endsWith("y") && !word.endsWith("ey") ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}
