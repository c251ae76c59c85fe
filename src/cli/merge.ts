// `chataudit merge <reports.json...>`: the JSON reports of a sharded scan (one CI job per slice of a fleet)
// merged into one set of reports, with the merged gate's exit code.

import { Command, Option } from "commander";
import { join } from "node:path";
import { InputError, isChatauditError, type ChatauditError } from "../errors.js";
import { FAIL_ON, type FailOn } from "../gate/gate.js";
import { asShard, mergeReports, type Shard } from "../merge.js";
import { FILE_FORMATS } from "../reports/index.js";
import { renderJsonChunks } from "../reports/json.js";
import { RunStopped } from "../scan.js";
import { readSourceText } from "../source/text.js";
import { parseYaml } from "../source/yaml.js";
import { emitReports, parseFormats } from "./scan.js";
import { prepareOutputDir, writeFileAtomic } from "./write.js";

export interface MergeFlags {
  format: string;
  output: string;
  failOn?: FailOn;
  quiet?: boolean;
}

async function readShard(file: string): Promise<Shard> {
  // Reports of a big fleet are large: allow up to 2 GiB each.
  const source = await readSourceText(file, file, 2 * 1024 ** 3);
  let value: unknown;
  try {
    value = JSON.parse(source.text);
  } catch (e) {
    // The YAML parser reads JSON too and names the line and column of a syntax error.
    parseYaml(source.text, file);
    throw new InputError(`invalid JSON: ${(e as Error).message}`, { file, line: 1, column: 1 });
  }
  return asShard(file, value);
}

/** Read every report (all problems reported together), merge, write the formats asked for; the exit code. */
export async function runMerge(files: string[], flags: MergeFlags): Promise<number> {
  const formats = parseFormats(flags.format);
  const read = await Promise.allSettled(files.map(readShard));
  const errors = read.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as unknown);
  if (errors.length) {
    const typed = errors.filter(isChatauditError) as ChatauditError[];
    if (typed.length !== errors.length) throw errors.find((e) => !isChatauditError(e));
    throw new RunStopped(typed);
  }
  const shards = read.map((r) => (r as PromiseFulfilledResult<Shard>).value);
  await prepareOutputDir(flags.output);
  const { report, warnings } = mergeReports(shards, flags.failOn ? { failOn: flags.failOn } : {});
  for (const w of warnings) process.stderr.write(`chataudit: warning: ${w}\n`);
  // A fleet's merged JSON can pass the 512 MB a JavaScript string can hold: it is written in pieces.
  if (formats.includes("json")) await writeFileAtomic(join(flags.output, FILE_FORMATS.json!.file), renderJsonChunks(report));
  await emitReports(report, formats.filter((f) => f !== "json"), flags.output, flags.quiet);
  return report.summary.exitCode;
}

export function registerMerge(program: Command): void {
  program
    .command("merge")
    .description("merge the JSON reports of a sharded scan into one report (exit code as a single scan's)")
    .argument("<reports...>", "chataudit.json files written by `chataudit scan --format json`, one per shard")
    .option("--format <list>", "report formats, comma-separated: json,sarif,html,junit,markdown,csv,console", "json")
    .option("--output <dir>", "folder for the merged report files", "reports")
    .addOption(new Option("--fail-on <severity>", "gate threshold for the merged summary (default: the shards' own)").choices([...FAIL_ON]))
    .option("-q, --quiet", "print nothing on success except errors")
    .action(async (files: string[], flags: MergeFlags) => {
      process.exitCode = await runMerge(files, flags);
    });
}
