// The canonical JSON report: every other format can be derived from it. Deterministic for the same inputs and --as-of.
//
// Layout: the small members (tool, asOf, summary) are indented for people; the lists (inputs, results, findings,
// policies, warnings) hold one compact element per line. A report with 100,000 findings is then a third smaller
// than fully indented JSON and twice as fast to write, and `grep CA-ACC-005 chataudit.json` prints one line per
// finding. Still one JSON document: JSON.parse, jq and every JSON library read it as before.

import type { ScanReport } from "../engine/types.js";
import { prerenderedJson } from "./prerendered.js";

export function renderJson(report: ScanReport): string {
  return [...renderJsonChunks(report)].join("");
}

/**
 * The report in pieces: a report with 100,000 findings is written without ever holding it as one string (nor
 * as one buffer). Each list element is a piece of its own, flat from JSON.stringify, which the writer encodes
 * straight into its buffer. Members JSON.stringify would leave out (undefined, functions, symbols) are left
 * out here too.
 */
export function* renderJsonChunks(report: ScanReport): Generator<string> {
  const members = Object.entries(report).filter(([, value]) => value !== undefined && typeof value !== "function" && typeof value !== "symbol");
  if (members.length === 0) {
    yield "{}\n";
    return;
  }
  yield "{\n";
  for (let m = 0; m < members.length; m += 1) {
    const [key, value] = members[m]!;
    const separator = m < members.length - 1 ? ",\n" : "\n";
    if (!Array.isArray(value) || value.length === 0) {
      yield `${memberText(key, value)}${separator}`;
      continue;
    }
    yield `  ${JSON.stringify(key)}: [\n    `;
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) yield ",\n    ";
      // As in JSON.stringify, an element that cannot be represented (undefined, a function) is null in a list.
      yield prerenderedJson(value[i]) ?? JSON.stringify(value[i]) ?? "null";
    }
    yield `\n  ]${separator}`;
  }
  yield "}\n";
}

/** `  "key": value`, indented as a member of the report. */
function memberText(key: string, value: unknown): string {
  const text = JSON.stringify({ [key]: value }, null, 2);
  return text.slice(2, text.length - 2);
}
