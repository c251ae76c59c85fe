// The two SARIF validators the issue names: the official 2.1.0 JSON Schema (draft-04) and Microsoft's SARIF multitool with GitHub's rules.

import { spawnSync } from "node:child_process";
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AjvDraft04Module, { type ValidateFunction } from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import { REPO, SHARED } from "../helpers.js";

// Both are CommonJS: under NodeNext their callables sit on `.default`.
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;

let validateSchema: ValidateFunction | undefined;

/** Schema violations of a SARIF log, as "path: message" lines (empty when valid). */
export function sarifSchemaErrors(log: unknown): string[] {
  if (!validateSchema) {
    const schema = JSON.parse(readFileSync(join(SHARED, "sarif/sarif-schema-2.1.0.json"), "utf8")) as object;
    const ajv = new AjvDraft04({ allErrors: true, strict: false });
    addFormats(ajv);
    validateSchema = ajv.compile(schema);
  }
  return validateSchema(log) ? [] : (validateSchema.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message}`);
}

export const MULTITOOL = join(REPO, "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");

export interface MultitoolVerdict {
  /** Why the binary could not run here; undefined when it ran. */
  unavailable?: string;
  /** Every result of the validation log, as "LEVEL RULE: message". */
  results: { level: string; ruleId: string; text: string }[];
}

/** The multitool's own runnability, checked once: a missing binary, another OS, or a broken .NET runtime. */
function multitoolProblem(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") return `the SARIF multitool is bundled for linux-x64 only (this is ${process.platform}-${process.arch})`;
  try {
    accessSync(MULTITOOL, constants.R_OK);
  } catch {
    return `${MULTITOOL} is not installed`;
  }
  try {
    accessSync(MULTITOOL, constants.X_OK);
  } catch {
    // npm 11 may skip the package's postinstall chmod.
    chmodSync(MULTITOOL, 0o755);
  }
  return undefined;
}

/** Run `Sarif.Multitool validate --rule-kind "Ghas;Sarif"` on SARIF text and read its log (its exit code says nothing). */
export function runMultitool(sarifText: string): MultitoolVerdict {
  const problem = multitoolProblem();
  if (problem) return { unavailable: problem, results: [] };
  const dir = mkdtempSync(join(tmpdir(), "chataudit-sarif-"));
  try {
    const input = join(dir, "chataudit.sarif");
    const output = join(dir, "validation.sarif");
    writeFileSync(input, sarifText);
    const run = spawnSync(MULTITOOL, ["validate", input, "--rule-kind", "Ghas;Sarif", "-o", output, "--log", "ForceOverwrite"], {
      env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: "1" },
      encoding: "utf8",
      timeout: 120_000,
    });
    let text: string;
    try {
      text = readFileSync(output, "utf8").replace(/^\uFEFF/, "");
    } catch {
      return { unavailable: `the multitool did not write its log (exit ${run.status}): ${run.error?.message ?? run.stderr.slice(0, 500) ?? ""}`, results: [] };
    }
    const log = JSON.parse(text) as { runs: { results?: { level?: string; ruleId?: string; message?: { text?: string; arguments?: string[] } }[]; tool: unknown }[] };
    const results = (log.runs[0]?.results ?? []).map((r) => ({
      level: r.level ?? "warning",
      ruleId: r.ruleId ?? "?",
      text: [r.message?.text, ...(r.message?.arguments ?? [])].filter(Boolean).join(" | "),
    }));
    return { results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
