// The command line: commander wiring only. Parses argv, calls the core, prints, returns the exit code.

import { Command, CommanderError } from "commander";
import { ChatauditErrors, isChatauditError } from "../errors.js";
import { terminalText } from "../reports/escape.js";
import { TOOL_VERSION } from "../version.js";
import { RunStopped } from "../scan.js";
import { registerScan } from "./scan.js";
import { registerImport } from "./import.js";
import { registerDiff } from "./diff.js";
import { registerTest } from "./test.js";
import { registerPolicies } from "./policies.js";
import { registerCollect } from "./collect.js";
import { registerMerge } from "./merge.js";

function buildProgram(): Command {
  const program = new Command()
    .name("chataudit")
    .description("Policy-as-code compliance scanner for enterprise chat platforms")
    .version(TOOL_VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerScan(program);
  registerTest(program);
  registerPolicies(program);
  registerImport(program);
  registerCollect(program);
  registerDiff(program);
  registerMerge(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Print one line per problem; no stack traces unless CHATAUDIT_DEBUG is set. */
export function reportError(e: unknown): void {
  if (e instanceof RunStopped || e instanceof ChatauditErrors) {
    for (const err of e.errors) process.stderr.write(`chataudit: error: ${err.format()}\n`);
    return;
  }
  if (isChatauditError(e)) {
    process.stderr.write(`chataudit: error: ${e.format()}\n`);
    return;
  }
  const message = (e as Error)?.message ?? String(e);
  process.stderr.write(`chataudit: internal error: ${terminalText(message.split("\n")[0]!)}\n`);
  if (process.env.CHATAUDIT_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ""}\n`);
}

/** Run the CLI with the given argv (as process.argv: node, script, ...args) and return the exit code. */
export async function run(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return 2;
    }
    reportError(e);
    return 2;
  } finally {
    process.exitCode = undefined;
  }
}
