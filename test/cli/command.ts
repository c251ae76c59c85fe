// Run one command's registration in-process, as the CLI would, capturing output and the exit code it sets.

import { Command } from "commander";
import { vi } from "vitest";
import { runProgram } from "../../src/cli/main.js";
import type { CliResult } from "./run.js";

/** A program with only the given commands registered, run on `args` (without "node chataudit"). */
export async function runCommand(register: (program: Command) => void, ...args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  try {
    const build = () => {
      const program = new Command().exitOverride();
      register(program);
      return program;
    };
    const code = await runProgram(build, ["node", "chataudit", ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}
