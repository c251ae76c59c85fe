// `chataudit test [dirs...]`: run every policy's own examples and report each one that does not hold.

import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { formatExampleFailure, runExampleSuite, type ExampleSuite } from "../policy/examples.js";

export interface TestFlags {
  builtin: boolean;
  verbose?: boolean;
}

/** The lines `chataudit test` prints for a suite: failures (or every policy with --verbose), then a count. */
export function renderExampleSuite(suite: ExampleSuite, verbose = false): string {
  const lines: string[] = [];
  for (const run of suite.runs) {
    const failed = run.checks.filter((c) => !c.ok);
    for (const check of failed) lines.push(formatExampleFailure(run, check));
    if (verbose && failed.length === 0) lines.push(`ok ${run.loaded.policy.id} ${run.loaded.path} (${run.checks.length} examples)`);
  }
  const passed = suite.examples - suite.failures;
  const policies = `${suite.runs.length} ${suite.runs.length === 1 ? "policy" : "policies"}`;
  lines.push(`${policies}, ${suite.examples} examples: ${passed} passed, ${suite.failures} failed`);
  return `${lines.join("\n")}\n`;
}

/** Run the examples of the bundled pack and/or the given folders; returns the exit code (0, 1, or 2 for unloadable policies). */
export async function runTests(dirs: string[], flags: TestFlags): Promise<number> {
  if (!flags.builtin && dirs.length === 0) {
    throw new UsageError("nothing to test: name policy folders or leave out --no-builtin");
  }
  const suite = await runExampleSuite({ dirs, builtin: flags.builtin });
  if (suite.errors.length > 0) {
    for (const e of suite.errors) process.stderr.write(`chataudit: error: ${e.format()}\n`);
    return 2;
  }
  process.stdout.write(renderExampleSuite(suite, flags.verbose));
  return suite.failures > 0 ? 1 : 0;
}

export function registerTest(program: Command): void {
  program
    .command("test")
    .description("run every policy's own pass/fail examples (the bundled pack and the given folders)")
    .argument("[dirs...]", "policy folders, files or globs to test besides the bundled pack")
    .option("--no-builtin", "do not test the bundled policy pack")
    .option("-v, --verbose", "list every policy whose examples hold, not only failures")
    .action(async (dirs: string[], flags: TestFlags) => {
      process.exitCode = await runTests(dirs, flags);
    });
}
