// Shared by the hostile-input tests: a scratch folder per file, the scan command line, and the one check every
// refusal must pass (exit 2, one line per problem in the documented format, no stack trace, no internal error).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { CliResult } from "../cli/run.js";
import { REPO } from "../helpers.js";

export const AS_OF = "2026-06-01T00:00:00Z";

/** The committed hostile corpus: a snapshot of attacking values, policies that put each in a finding, a waiver. */
export const HOSTILE_CORPUS = join(REPO, "test", "fixtures", "hostile");
export const HOSTILE_SNAPSHOT = join(HOSTILE_CORPUS, "snapshot-hostile-values.yaml");
export const HOSTILE_POLICIES = join(HOSTILE_CORPUS, "policies");
export const HOSTILE_WAIVERS = join(HOSTILE_CORPUS, "waivers-hostile.yaml");

/** A fresh folder under the system's temporary folder, and a function that removes it. */
export function scratch(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `chataudit-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `scan` arguments for a reproducible run that writes the JSON report into `output` and reads no config file.
 * Unless `extra` names policies, the two corpus policies stand in for the bundled pack, which takes ten times
 * as long to load: these tests are about inputs, not about the pack.
 */
export function scanArgs(inputs: string[], output: string, ...extra: string[]): string[] {
  const policies = extra.includes("--policies") ? [] : ["--no-builtin", "--policies", HOSTILE_POLICIES];
  return ["scan", ...inputs, "--format", "json", "--output", output, "--as-of", AS_OF, "--no-config", ...policies, ...extra];
}

/** The same with the bundled policy pack. */
export function packScanArgs(inputs: string[], output: string, ...extra: string[]): string[] {
  return ["scan", ...inputs, "--format", "json", "--output", output, "--as-of", AS_OF, "--no-config", ...extra];
}

/** A snapshot document with the required metadata and the given YAML body. */
export function snapshotYaml(name: string, body = ""): string {
  return `apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: { name: ${JSON.stringify(name)}, platform: generic, collectedAt: "${AS_OF}" }\n${body}`;
}

/** The same as a JavaScript object, for JSON files. */
export function snapshotObject(name: string, body: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "chataudit/v1", kind: "Snapshot", metadata: { name, platform: "generic", collectedAt: AS_OF }, ...body };
}

/** A complete policy file around the given YAML lines (assert, select, message...). */
export function policyYaml(id: string, body: string): string {
  return `apiVersion: chataudit/v1
kind: Policy
id: ${id}
title: Hostile input policy ${id}
category: access
severity: high
description: A policy the hostile-input tests control.
rationale: The hostile-input tests need policies whose behaviour they know.
remediation: Change the snapshot so that the assertion holds.
references: [https://example.com/standard]
frameworks: { nist-800-53-r5: [AC-2] }
examples: { pass: [{}], fail: [{}] }
${body}
`;
}

export interface Refusal {
  /** The file the error must name, as shown. */
  file: string;
  line?: number;
  column?: number;
  /** A part of the reason. */
  reason?: string | RegExp;
}

/** Lines a run printed on stderr that are neither `chataudit: error:` nor `chataudit: warning:` lines. */
export function strayStderr(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l !== "" && !/^chataudit: (error|warning): \S/.test(l));
}

/**
 * The run ended in exit 2 with `chataudit: error: <file>[:<line>[:<col>]]: <reason>` and nothing else on stderr:
 * no stack trace, no internal error, no multi-line message.
 */
export function expectRefused(result: CliResult, refusal: Refusal): string {
  expect(strayStderr(result.stderr), result.stderr).toEqual([]);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at |RangeError|TypeError/);
  const pos = refusal.line === undefined ? "" : `:${refusal.line}${refusal.column === undefined ? "" : `:${refusal.column}`}`;
  const prefix = `chataudit: error: ${refusal.file}${pos}${refusal.line === undefined ? "" : ":"}`;
  const line = result.stderr.split("\n").find((l) => l.startsWith(prefix));
  expect(line, `no error line starting with "${prefix}" in:\n${result.stderr}`).toBeDefined();
  if (refusal.reason !== undefined) expect(line).toMatch(refusal.reason);
  expect(result.code, result.stderr).toBe(2);
  return line!;
}
