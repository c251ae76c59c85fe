// `chataudit scan`: flags -> ScanOptions -> scan() -> reports written and printed -> exit code.

import { Command, Option } from "commander";
import { renderJsonChunks } from "../reports/json.js";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { isChatauditError, UsageError } from "../errors.js";
import type { ScanReport } from "../engine/types.js";
import { FAIL_ON, type FailOn } from "../gate/gate.js";
import { FILE_FORMATS, knownFormats, loadFileFormats } from "../reports/index.js";
import { parseAsOf, RunStopped, scan, type ScanOptions } from "../scan.js";
import { PLATFORMS, type PlatformChoice } from "../snapshot/load.js";
import { prepareOutputDir, writeAllAtomic, writeFileAtomic } from "./write.js";
import { applyConfig, errorsOf, findConfig, loadConfig, type ScanConfig } from "../config/config.js";
import { buildBaseline, renderBaseline } from "../gate/baseline.js";
import { describeWaiver } from "../gate/waivers.js";
import { terminalText } from "../reports/escape.js";
import { describeFsError } from "../source/text.js";

export interface ScanFlags {
  platform: PlatformChoice;
  policies: string[];
  builtin: boolean;
  format: string;
  output: string;
  failOn: FailOn;
  asOf?: string;
  params?: string;
  only: string[];
  skip: string[];
  maxFileSize?: string;
  releaseCatalogue?: string;
  quiet?: boolean;
  waivers?: string;
  baseline?: string;
  writeBaseline?: string;
  /** A config file, or false for --no-config. */
  config?: string | false;
  warnExpiring?: string;
}

/** --config, else .chataudit.yaml in the current folder; --no-config reads none. A bad config stops the run. */
export async function readScanConfig(option: string | false | undefined): Promise<ScanConfig | undefined> {
  if (option === false) return undefined;
  const file = option ?? (await findConfig("."));
  if (!file) return undefined;
  try {
    return await loadConfig(file);
  } catch (e) {
    throw isChatauditError(e) ? new RunStopped(errorsOf(e)) : e;
  }
}

function parseDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(String(text).trim())) throw new UsageError(`--warn-expiring must be a whole number of days (0 turns the warning off), got "${text}"`);
  return Number(text);
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];

/** "10MB", "512k", "1048576" -> bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--max-file-size must be a size like 50MB or 1048576, got "${text}"`);
  const unit = (m[2] ?? "b").toLowerCase()[0]!;
  const factor = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * factor);
}

export function parseFormats(text: string): string[] {
  const formats = [...new Set(text.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean))];
  const known = knownFormats();
  const unknown = formats.filter((f) => !known.includes(f));
  if (unknown.length) throw new UsageError(`unknown format ${unknown.join(", ")} (known: ${known.join(", ")})`);
  if (formats.length === 0) throw new UsageError("--format needs at least one format");
  return formats;
}

export function toScanOptions(inputs: string[], flags: ScanFlags): ScanOptions {
  return {
    inputs,
    platform: flags.platform,
    policyDirs: flags.policies,
    builtin: flags.builtin,
    asOf: parseAsOf(flags.asOf),
    failOn: flags.failOn,
    paramsFile: flags.params,
    only: flags.only,
    skip: flags.skip,
    maxFileBytes: flags.maxFileSize ? parseSize(flags.maxFileSize) : undefined,
    releaseCatalogue: flags.releaseCatalogue,
    waivers: flags.waivers,
    baseline: flags.baseline,
    warnExpiringDays: parseDays(flags.warnExpiring),
  };
}

/** Render every file format first, then write them all; print console output last. */
export async function emitReports(report: ScanReport, formats: string[], output: string, quiet = false): Promise<void> {
  // Only the reporters asked for are imported: HTML alone costs Handlebars.
  await loadFileFormats(formats.filter((f) => f !== "json"));
  const files = formats
    .filter((f) => FILE_FORMATS[f])
    .map((f) => ({ path: join(output, FILE_FORMATS[f]!.file), content: f === "json" ? renderJsonChunks(report) : FILE_FORMATS[f]!.render(report) }));
  await writeAllAtomic(files);
  // Annotations are what a CI log is for, so --quiet does not silence them.
  if (formats.includes("github")) process.stdout.write((await import("../reports/github.js")).renderGithub(report));
  if (formats.includes("console") && !quiet) {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
    const { renderConsole } = await import("../reports/console.js");
    process.stdout.write(renderConsole(report, { color }));
    if (files.length) process.stdout.write(`Reports: ${files.map((f) => f.path).join(", ")}\n`);
  }
}

/** On GitHub Actions, the Markdown summary goes on the job's page too (appended: other steps write there as well). */
async function appendStepSummary(report: ScanReport): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    const { renderMarkdown } = await import("../reports/markdown.js");
    await appendFile(file, `${renderMarkdown(report)}\n`, "utf8");
  } catch (e) {
    process.stderr.write(`chataudit: warning: cannot append to GITHUB_STEP_SUMMARY (${file}): ${describeFsError(e)}\n`);
  }
}

export async function runScan(
  paths: string[],
  cliFlags: ScanFlags,
  givenOnCommandLine: (flag: string) => boolean = (flag) => (cliFlags as unknown as Record<string, unknown>)[flag] !== undefined,
): Promise<number> {
  const config = await readScanConfig(cliFlags.config);
  const flags = applyConfig(cliFlags, config, givenOnCommandLine);
  const inputs = paths.length ? paths : (config?.paths ?? []);
  if (inputs.length === 0) throw new UsageError("no inputs: name snapshot or config files, folders or globs, or set `paths` in .chataudit.yaml");
  const formats = parseFormats(flags.format);
  const options = toScanOptions(inputs, flags);
  if (config?.params && !givenOnCommandLine("params")) options.params = config.params;
  await prepareOutputDir(flags.output);
  const report = await scan(options);
  for (const input of report.inputs.filter((i) => i.status === "error")) {
    const e = input.error!;
    const pos = e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : "";
    process.stderr.write(`chataudit: error: ${terminalText(input.path)}${pos}: ${terminalText(e.message)}\n`);
  }
  // A policy that could not be evaluated makes the run untrusted (exit 2) as a broken input does: say which, where.
  const sources = new Map(report.policies.map((p) => [p.id, p.source]));
  for (const r of report.results.filter((x) => x.status === "error")) {
    const line = `${sources.get(r.policyId) ?? r.policyId}: ${r.policyId} could not be evaluated on ${r.input}: ${r.reason ?? "evaluation failed"}`;
    process.stderr.write(`chataudit: error: ${terminalText(line)}\n`);
  }
  // Expired waivers are announced on stderr too, whatever the formats: a risk stopped being accepted.
  for (const w of report.waivers ?? []) {
    if (w.state === "expired") process.stderr.write(`chataudit: warning: ${terminalText(`waiver ${describeWaiver(w)} EXPIRED ${w.expires} (owner ${w.owner}); it no longer applies`)}\n`);
  }
  await emitReports(report, formats, flags.output, flags.quiet);
  await appendStepSummary(report);
  if (flags.writeBaseline) {
    // A baseline from a run that missed inputs would make their findings look new next time.
    if (report.summary.exitCode === 2) process.stderr.write(`chataudit: error: baseline not written to ${flags.writeBaseline}: the run could not be trusted\n`);
    else await writeFileAtomic(flags.writeBaseline, renderBaseline(buildBaseline(report)));
  }
  return report.summary.exitCode;
}

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description("evaluate policies against snapshots or native platform configs")
    .argument("[paths...]", "files, folders or globs of snapshots or native configs (default: `paths` in the config file)")
    .addOption(new Option("--platform <name>", "input platform").choices([...PLATFORMS]).default("auto"))
    .option("--policies <dir>", "extra policy folder (repeatable)", collect, [])
    .option("--no-builtin", "do not load the bundled policy pack")
    .option("--format <list>", `report formats, comma-separated: ${knownFormats().join(",")}`, "console,json")
    .option("--output <dir>", "folder for report files", "reports")
    .addOption(new Option("--fail-on <severity>", "exit 1 on findings at or above this severity").choices([...FAIL_ON]).default("high"))
    .option("--as-of <date-time>", "evaluation clock, ISO 8601 (default: now)")
    .option("--params <file>", "per-organisation policy parameters (YAML/JSON: policy id -> params)")
    .option("--only <list>", "only these policy ids, tags or categories (repeatable, comma-separated)", collect, [])
    .option("--skip <list>", "skip these policy ids, tags or categories (repeatable, comma-separated)", collect, [])
    .option("--max-file-size <size>", "largest input file accepted, e.g. 50MB (default 256MB)")
    .option("--release-catalogue <file>", "your own release catalogue (latest versions, end of support) instead of the bundled one")
    .option("-q, --quiet", "print nothing on success except errors")
    .option("--waivers <file>", "accepted risks (YAML/JSON): policy, optional snapshot/subject, reason, owner, expires")
    .option("--warn-expiring <days>", "warn about waivers expiring within this many days (default 14; 0: never)")
    .option("--baseline <file>", "only findings not in this baseline fail the gate")
    .option("--write-baseline <file>", "record this run's findings as a baseline")
    .option("--config <file>", "defaults for these flags (default: .chataudit.yaml in the current folder)")
    .option("--no-config", "do not read .chataudit.yaml")
    .action(async (paths: string[], flags: ScanFlags, command: Command) => {
      process.exitCode = await runScan(paths, flags, (flag) => command.getOptionValueSource(flag) === "cli");
    });
}
