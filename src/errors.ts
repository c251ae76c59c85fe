// The typed errors a person can act on. The CLI turns every one of them into exit code 2 and one line.

import { terminalText } from "./reports/escape.js";

export interface Where {
  file: string;
  line?: number;
  column?: number;
}

/**
 * Base: a message and, where known, the file, line and column it is about. Messages quote what they are
 * about (a key, a file name) and those come from the input: they are kept to one line with nothing a
 * terminal would act on, so an input can neither forge a line of output nor send escape sequences.
 */
export class ChatauditError extends Error {
  readonly where?: Where;
  constructor(message: string, where?: Where) {
    super(terminalText(message));
    this.name = new.target.name;
    this.where = where;
  }

  /** "file:line:column: message", the one line the CLI prints. */
  format(): string {
    if (!this.where) return this.message;
    const { file, line, column } = this.where;
    const pos = line ? `:${line}${column ? `:${column}` : ""}` : "";
    return `${terminalText(file)}${pos}: ${this.message}`;
  }
}

/** Bad command-line arguments. */
export class UsageError extends ChatauditError {}

/** An input (snapshot, native config, waiver, baseline, config file) that cannot be read or is invalid. */
export class InputError extends ChatauditError {}

/** A policy that cannot be loaded, is invalid, or whose examples do not hold. */
export class PolicyError extends ChatauditError {}

/** A live server that could not be collected from (unreachable, TLS, auth, timeout). */
export class CollectError extends ChatauditError {}

/** Several problems found in one go (every schema violation of a file): one line each. */
export class ChatauditErrors extends ChatauditError {
  constructor(readonly errors: ChatauditError[]) {
    super(errors.map((e) => e.message).join("; "), errors[0]?.where);
  }

  override format(): string {
    return this.errors.map((e) => e.format()).join("\n");
  }
}

/** Problems that stop a run before anything is evaluated (bad policies, params, waivers, arguments). */
export class RunStopped extends Error {
  constructor(readonly errors: ChatauditError[]) {
    super(errors.map((e) => e.format()).join("\n"));
  }
}

export function isChatauditError(e: unknown): e is ChatauditError {
  return e instanceof ChatauditError;
}
