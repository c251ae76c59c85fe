// The canonical JSON report: every other format can be derived from it. Deterministic for the same inputs and --as-of.

import type { ScanReport } from "../engine/types.js";

export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Array members written per chunk: big enough to amortise JSON.stringify, small enough to stay in cache. */
const BATCH = 256;

/**
 * The same bytes as renderJson, in pieces of a few hundred kilobytes: a report with 100,000 findings
 * is written without ever holding it as one string (nor as one buffer).
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
    if (!Array.isArray(value) || value.length <= BATCH) {
      yield `${memberText(key, value)}${separator}`;
      continue;
    }
    yield `  ${JSON.stringify(key)}: [\n`;
    for (let start = 0; start < value.length; start += BATCH) {
      yield `${elementsText(value.slice(start, start + BATCH))}${start + BATCH < value.length ? ",\n" : "\n"}`;
    }
    yield `  ]${separator}`;
  }
  yield "}\n";
}

/** `  "key": value` indented as a member of the report; JSON.stringify does the indenting. */
function memberText(key: string, value: unknown): string {
  const text = JSON.stringify({ [key]: value }, null, 2);
  return text.slice(2, text.length - 2);
}

/** Array elements indented as members of a top-level array, joined with ",\n". */
function elementsText(items: unknown[]): string {
  // {"a":[...]} puts the elements at exactly the depth they have in the report; cut the wrapper away.
  const text = JSON.stringify({ a: items }, null, 2);
  return text.slice('{\n  "a": [\n'.length, text.length - "\n  ]\n}".length);
}
