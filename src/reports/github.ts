// GitHub Actions annotations (`--format github`): one workflow command per failing finding, at its file and line.

import type { Finding, ScanReport } from "../engine/types.js";
import { terminalText } from "./escape.js";
import { SEVERITY } from "./severity.js";

type Command = "error" | "warning" | "notice";

/** GitHub's escaping for a command's message: %, CR and LF would otherwise end or corrupt the command. */
export function escapeData(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Properties are also split on `,` and end at `::`, so those are escaped too. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function command(name: Command, properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== "")
    .map(([k, v]) => `${k}=${escapeProperty(terminalText(String(v)))}`)
    .join(",");
  // The log that shows the command renders ANSI sequences: values from snapshots lose theirs, line by line.
  const text = message.split("\n").map(terminalText).join("\n");
  return `::${name}${props ? ` ${props}` : ""}::${escapeData(text)}`;
}

/** high and critical are errors, medium a warning, low and info notices: the same split as SARIF's levels. */
function commandFor(finding: Finding): Command {
  const level = SEVERITY[finding.severity].sarifLevel;
  return level === "note" ? "notice" : level;
}

/**
 * Annotations for failing findings (waived ones are not annotated; nor are findings already in the baseline,
 * which would otherwise repeat on every pull request), unreadable inputs and run-level warnings such as expired waivers.
 */
export function renderGithub(report: ScanReport): string {
  const lines: string[] = [];
  for (const input of report.inputs.filter((i) => i.status === "error")) {
    lines.push(command("error", { file: input.path, line: input.error?.line, col: input.error?.column, title: "chataudit: input could not be read" }, input.error?.message ?? "invalid input"));
  }
  const annotated = report.findings
    .filter((f) => f.status === "fail" && f.baselineState !== "unchanged")
    .sort(
      (a, b) =>
        SEVERITY[b.severity].rank - SEVERITY[a.severity].rank ||
        (a.location.path < b.location.path ? -1 : a.location.path > b.location.path ? 1 : 0) ||
        a.location.line - b.location.line ||
        a.policyId.localeCompare(b.policyId),
    );
  for (const f of annotated) {
    lines.push(
      command(
        commandFor(f),
        { file: f.location.path, line: f.location.line, col: f.location.column, title: `${f.policyId} (${f.severity}): ${f.title}` },
        `${f.message}\nsnapshot ${f.snapshot}, subject ${f.subject}${f.baselineState === "new" ? " (new since the baseline)" : ""}`,
      ),
    );
  }
  for (const warning of report.warnings) lines.push(command("warning", { title: "chataudit" }, warning));
  return lines.length ? `${lines.join("\n")}\n` : "";
}
