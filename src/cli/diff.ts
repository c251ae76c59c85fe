// `chataudit diff <old.json> <new.json>`: what changed between two JSON reports; exit 1 on new findings at or above --fail-on.

import { Command, Option } from "commander";
import type { ChatauditError } from "../errors.js";
import { diffReports, loadReport, renderDiffConsole, renderDiffJson, renderDiffMarkdown, type DiffableReport } from "../diff/diff.js";
import { FAIL_ON, type FailOn } from "../gate/gate.js";
import { RunStopped } from "../scan.js";
import { writeFileAtomic } from "./write.js";

export const DIFF_FORMATS = ["console", "markdown", "json"] as const;

export interface DiffFlags {
  format: (typeof DIFF_FORMATS)[number];
  output?: string;
  failOn: FailOn;
}

/** Load both reports (every problem reported), compare, print or write, and return the exit code. */
export async function runDiff(oldPath: string, newPath: string, flags: DiffFlags): Promise<number> {
  const loaded = await Promise.allSettled([loadReport(oldPath), loadReport(newPath)]);
  const errors = loaded.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as ChatauditError);
  if (errors.length) throw new RunStopped(errors);
  const [before, after] = loaded.map((r) => (r as PromiseFulfilledResult<DiffableReport>).value) as [DiffableReport, DiffableReport];
  const diff = diffReports(before, after, flags.failOn);
  const color = !flags.output && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  const text =
    flags.format === "json" ? renderDiffJson(diff) : flags.format === "markdown" ? renderDiffMarkdown(diff) : renderDiffConsole(diff, { color });
  if (flags.output) await writeFileAtomic(flags.output, text);
  else process.stdout.write(text);
  return diff.gateFindings > 0 ? 1 : 0;
}

export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description("new, fixed and unchanged findings between two JSON reports (exit 1 when a new finding is at or above --fail-on)")
    .argument("<old>", "the earlier chataudit.json")
    .argument("<new>", "the later chataudit.json")
    .addOption(new Option("--format <format>", "output format").choices([...DIFF_FORMATS]).default("console"))
    .option("--output <file>", "write the diff to this file instead of stdout")
    .addOption(new Option("--fail-on <severity>", "exit 1 on new failing findings at or above this severity").choices([...FAIL_ON]).default("high"))
    .action(async (oldPath: string, newPath: string, flags: DiffFlags) => {
      process.exitCode = await runDiff(oldPath, newPath, flags);
    });
}
