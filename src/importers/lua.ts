// Prosody's Lua config read with luaparse into a document with positions: global settings, VirtualHost and
// Component sections, Include lines. The file is never executed: only literal values are evaluated.

import luaparse from "luaparse";
import type { Chunk, Expression, Node, Statement, TableConstructorExpression } from "luaparse";
import { InputError } from "../errors.js";
import type { SourceLocation } from "../snapshot/types.js";
import { MAX_DEPTH, type NativeDocument, type NativePath } from "./native.js";
import type { NativeFile } from "./types.js";

/** The config as plain data; `settings` of the snapshot is this, redacted. */
export interface ProsodyConfig {
  global: Record<string, unknown>;
  virtualHosts: Record<string, Record<string, unknown>>;
  /** Each component's options; `component_module` holds its module, as Prosody stores it. */
  components: Record<string, Record<string, unknown>>;
  includes: string[];
}

/** luaparse's syntax errors carry the position beside the message. */
interface LuaSyntaxError extends Error {
  line?: number;
  column?: number;
}

const SECTION_CALLS = new Set(["VirtualHost", "Host", "Component", "Include", "include"]);

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Parse a Prosody config. Syntax errors become InputError at their line; the message keeps what luaparse
 * expected but drops the tokens it quotes ("near <token>", "unexpected string <token>"): one could be a secret.
 */
export function parseProsodyConfig(file: NativeFile): NativeDocument & { root: ProsodyConfig } {
  // luaparse reads Lua's byte strings: give it the UTF-8 bytes as Latin-1 characters and decode strings back.
  const bytes = Buffer.from(file.text, "utf8").toString("latin1");
  let chunk: Chunk;
  try {
    chunk = luaparse.parse(bytes, { locations: true, comments: false, encodingMode: "pseudo-latin1", luaVersion: "5.2" });
  } catch (e) {
    const err = e as LuaSyntaxError;
    const reason = String(err.message ?? "syntax error")
      .replace(/^\[\d+:\d+\]\s*/, "")
      .replace(/\s+near\s+.*$/s, "")
      // "unexpected string '\"s3cret\"'", "no visible label 's3cret'": the token itself may be a secret.
      .replace(/^(unexpected (?!symbol)\w+) .*$/s, "$1")
      .replace(/^no visible label .* for/s, "no visible label for");
    if (typeof err.line !== "number") {
      throw new InputError("expected a Prosody config (Lua): the file is nested too deeply to read", { file: file.path, line: 1, column: 1 });
    }
    throw new InputError(`expected a Prosody config (Lua): ${reason}`, { file: file.path, line: err.line, column: (err.column ?? 0) + 1 });
  }
  const reader = new ConfigReader(file.path);
  reader.read(chunk.body);
  return reader.document();
}

class ConfigReader {
  readonly config: ProsodyConfig = { global: {}, virtualHosts: {}, components: {}, includes: [] };
  private readonly locations = new Map<string, SourceLocation>();
  private readonly locals = new Map<string, unknown>();
  private section: NativePath = ["global"];

  constructor(private readonly file: string) {}

  private where(node: Node): SourceLocation {
    const start = node.loc?.start ?? { line: 1, column: 0 };
    return { path: this.file, line: start.line, column: start.column + 1 };
  }

  private record(path: NativePath, node: Node): void {
    this.locations.set(path.join("\u0000"), this.where(node));
  }

  private sectionTarget(): Record<string, unknown> {
    const [kind, name] = this.section as [keyof ProsodyConfig, string?];
    return name === undefined ? (this.config[kind] as Record<string, unknown>) : (this.config[kind] as Record<string, Record<string, unknown>>)[name]!;
  }

  read(body: Statement[]): void {
    for (const statement of body) {
      if (statement.type === "AssignmentStatement") {
        statement.variables.forEach((variable, i) => {
          if (variable.type !== "Identifier") return;
          const init = statement.init[i];
          const path = [...this.section, variable.name];
          this.record(path, variable);
          setOwn(this.sectionTarget(), variable.name, init ? this.evaluate(init, path, 0) : null);
        });
      } else if (statement.type === "LocalStatement") {
        statement.variables.forEach((variable, i) => {
          const init = statement.init[i];
          this.locals.set(variable.name, init ? this.evaluate(init, undefined, 0) : undefined);
        });
      } else if (statement.type === "CallStatement") {
        this.sectionCall(statement.expression);
      }
    }
  }

  /** `VirtualHost "x"`, `Component "x" "module"`, `Include "file"`, also written with parentheses. */
  private sectionCall(call: Expression): void {
    const args: Expression[] = [];
    let callee: Expression = call;
    // Walk `Component "x" "muc"` (a call of a call) down to its name, collecting arguments outermost last.
    for (let depth = 0; depth < 4; depth += 1) {
      if (callee.type === "StringCallExpression") {
        args.unshift(callee.argument);
        callee = callee.base;
      } else if (callee.type === "CallExpression") {
        args.unshift(...callee.arguments);
        callee = callee.base;
      } else break;
    }
    if (callee.type !== "Identifier" || !SECTION_CALLS.has(callee.name)) return;
    const values = args.map((a) => this.evaluate(a, undefined, 0));
    const name = typeof values[0] === "string" ? values[0] : undefined;
    if (name === undefined) return;
    if (callee.name === "Include" || callee.name === "include") {
      this.record(["includes", this.config.includes.length], call);
      this.config.includes.push(name);
      return;
    }
    // Host "*" is Prosody's name for the global section.
    if (name === "*") {
      this.section = ["global"];
      return;
    }
    const kind = callee.name === "Component" ? "components" : "virtualHosts";
    const sections = this.config[kind];
    if (!Object.prototype.hasOwnProperty.call(sections, name)) {
      setOwn(sections, name, {});
      this.record([kind, name], call);
    }
    this.section = [kind, name];
    if (kind === "components" && typeof values[1] === "string") {
      setOwn(sections[name]!, "component_module", values[1]);
      this.record([kind, name, "component_module"], args[1]!);
    }
  }

  /** A literal value; expressions that need running code (calls, globals) are unknown: null. */
  private evaluate(node: Expression, path: NativePath | undefined, depth: number): unknown {
    if (depth > MAX_DEPTH) return null;
    switch (node.type) {
      case "StringLiteral":
        return Buffer.from(node.value ?? "", "latin1").toString("utf8");
      case "NumericLiteral":
      case "BooleanLiteral":
        return node.value;
      case "NilLiteral":
        return null;
      case "Identifier":
        return this.locals.get(node.name) ?? null;
      case "TableConstructorExpression":
        return this.table(node, path, depth);
      case "UnaryExpression": {
        const v = this.evaluate(node.argument, undefined, depth + 1);
        if (node.operator === "-" && typeof v === "number") return -v;
        if (node.operator === "not") return v === null || v === false;
        return null;
      }
      case "BinaryExpression": {
        const a = this.evaluate(node.left, undefined, depth + 1);
        const b = this.evaluate(node.right, undefined, depth + 1);
        if (node.operator === "..") return (typeof a === "string" || typeof a === "number") && (typeof b === "string" || typeof b === "number") ? `${a}${b}` : null;
        if (typeof a !== "number" || typeof b !== "number") return null;
        // Durations are often written as arithmetic: 60 * 60 * 24 * 7.
        switch (node.operator) {
          case "+": return a + b;
          case "-": return a - b;
          case "*": return a * b;
          case "/": return a / b;
          case "%": return a % b;
          case "^": return a ** b;
          default: return null;
        }
      }
      default:
        return null;
    }
  }

  /** A table of only positional values is a list; otherwise a mapping where positional values keep Lua's 1-based keys. */
  private table(node: TableConstructorExpression, path: NativePath | undefined, depth: number): unknown {
    const positional = node.fields.every((f) => f.type === "TableValue");
    const out: unknown[] | Record<string, unknown> = positional ? [] : {};
    let index = 0;
    for (const field of node.fields) {
      let key: string | number;
      let keyNode: Node;
      if (field.type === "TableValue") {
        index += 1;
        key = positional ? index - 1 : String(index);
        keyNode = field.value;
      } else if (field.type === "TableKeyString") {
        key = field.key.name;
        keyNode = field.key;
      } else {
        const k = this.evaluate(field.key, undefined, depth + 1);
        if (typeof k !== "string" && typeof k !== "number") continue;
        key = String(k);
        keyNode = field.key;
      }
      const childPath = path ? [...path, key] : undefined;
      if (childPath) this.record(childPath, keyNode);
      const value = this.evaluate(field.value, childPath, depth + 1);
      if (Array.isArray(out)) out.push(value);
      else setOwn(out, String(key), value);
    }
    return out;
  }

  document(): NativeDocument & { root: ProsodyConfig } {
    const { file, locations, config } = this;
    return {
      file,
      root: config,
      locate(path) {
        for (let n = path.length; n > 0; n -= 1) {
          const found = locations.get(path.slice(0, n).join("\u0000"));
          if (found) return found;
        }
        return { path: file, line: 1, column: 1 };
      },
    };
  }
}
