// Runs `chataudit collect ...` in-process through the real commander wiring, capturing exit code and output.

import { Command } from "commander";
import { vi } from "vitest";
import { registerCollect } from "../../src/cli/collect.js";
import { runProgram } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` is set for the run only; nothing else of the process environment changes. */
export async function runCollect(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const build = () => {
    const program = new Command().name("chataudit").exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
    registerCollect(program);
    for (const command of program.commands) command.exitOverride();
    return program;
  };
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (out.push(String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (err.push(String(chunk)), true));
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  let code: number;
  try {
    code = await runProgram(build, ["node", "chataudit", "collect", ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
  }
  return { code, stdout: out.join(""), stderr: err.join("") };
}
