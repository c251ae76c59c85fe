// The command line: commander wiring only. Parses argv, calls the core, prints, returns the exit code.

import { Command, CommanderError } from "commander";
import { ChatauditErrors, isChatauditError, RunStopped, type ChatauditError } from "../errors.js";
import { terminalText } from "../reports/escape.js";
import { TOOL_VERSION } from "../version.js";

type Register = (program: Command) => void;

/**
 * Each command's module, imported only when that command runs: together they pull in the scanner, the importers,
 * the collectors, Ajv, YAML and every reporter (about half a second), which `--version` or `diff` need not pay for.
 * In help order.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  scan: async () => (await import("./scan.js")).registerScan,
  test: async () => (await import("./test.js")).registerTest,
  policies: async () => (await import("./policies.js")).registerPolicies,
  import: async () => (await import("./import.js")).registerImport,
  collect: async () => (await import("./collect.js")).registerCollect,
  diff: async () => (await import("./diff.js")).registerDiff,
  merge: async () => (await import("./merge.js")).registerMerge,
};

/**
 * The commands argv needs registered: the one it names (`help <command>` included); none for a bare --version;
 * every one otherwise, so that help lists them all and an unknown name gets commander's suggestion.
 */
export function commandsFor(argv: string[]): string[] {
  const words = argv.slice(2);
  const named = words.filter((w) => !w.startsWith("-"));
  const wanted = named[0] === "help" ? named[1] : named[0];
  if (wanted !== undefined && Object.hasOwn(COMMANDS, wanted)) return [wanted];
  if (named.length === 0 && words.some((w) => w === "-V" || w === "--version")) return [];
  return Object.keys(COMMANDS);
}

async function buildProgram(argv: string[]): Promise<Command> {
  const registers = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!()));
  const program = new Command()
    .name("chataudit")
    .description("Policy-as-code compliance scanner for enterprise chat platforms")
    .version(TOOL_VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of registers) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** The problems of a ChatauditErrors or a RunStopped, one per line to print. */
function stoppedBy(e: unknown): ChatauditError[] | undefined {
  if (e instanceof ChatauditErrors || e instanceof RunStopped) return e.errors;
  return undefined;
}

/** Print one line per problem; no stack traces unless CHATAUDIT_DEBUG is set. */
export function reportError(e: unknown): void {
  const errors = stoppedBy(e);
  if (errors) {
    for (const err of errors) process.stderr.write(`chataudit: error: ${err.format()}\n`);
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
  return runProgram(() => buildProgram(argv), argv);
}

/**
 * Parse argv with a program and return the exit code its command set. Any problem a command throws is reported
 * here, one line each (exit code 2): the commands themselves do not catch. Exported for tests that register one
 * command alone.
 */
export async function runProgram(build: () => Command | Promise<Command>, argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    const program = await build();
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
