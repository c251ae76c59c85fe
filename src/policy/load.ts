// Loading policies: bundled pack and --policies folders, parsed with positions and validated before anything runs.

import { promises as fs, readdirSync, type Dirent } from "node:fs";
import { join, resolve, sep } from "node:path";
import { ChatauditErrors, PolicyError, type ChatauditError } from "../errors.js";
import { BUILTIN_POLICIES_DIR, PACKAGE_ROOT, shownPath } from "../paths.js";
import { schemaProblems, validatorFor } from "../schema.js";
import { readSourceText } from "../source/text.js";
import { parseYaml, positionAtPath, type ParsedYaml } from "../source/yaml.js";
import { compileRule, RuleError } from "./jsonlogic.js";
import { precompiledPack, precompiledPolicies, PRECOMPILED_PACK_FILE, type PrecompiledPack } from "./precompiled.js";
import type { LoadedPolicy, Policy } from "./types.js";

export interface PolicySources {
  /** Extra folders (or files, or globs) of policies. */
  dirs?: string[];
  /** Include the bundled pack (default true). */
  builtin?: boolean;
  /** The precompiled bundled pack (default dist/policies.json); false parses every YAML file. */
  precompiled?: string | false;
}

export interface PolicyLoad {
  policies: LoadedPolicy[];
  /** Every problem found; when non-empty, nothing may be evaluated. */
  errors: ChatauditError[];
}

/** Whether a policy file is in the bundled pack (not merely in a folder whose name starts the same). */
function isBundled(file: string): boolean {
  return file.startsWith(BUILTIN_POLICIES_DIR + sep);
}

/** The display path of a policy file: relative to the package for bundled ones, to cwd otherwise. */
function displayPath(file: string): string {
  return isBundled(file) ? shownPath(file, PACKAGE_ROOT) : shownPath(file);
}

async function policyFiles(source: string): Promise<string[]> {
  const abs = resolve(source);
  if (abs === BUILTIN_POLICIES_DIR) return bundledPolicyFiles();
  const stat = await fs.stat(abs).catch(() => null);
  // glob (and its matchers) is loaded only for a folder or pattern of the user's.
  if (stat?.isDirectory()) {
    const { glob } = await import("glob");
    return glob("**/*.{yaml,yml}", { cwd: abs, absolute: true, nodir: true, follow: false });
  }
  if (stat?.isFile()) return [abs];
  const { glob } = await import("glob");
  return glob(source, { absolute: true, nodir: true, follow: false });
}

/**
 * The bundled pack's files, as `**\/*.{yaml,yml}` finds them there (hidden entries skipped), listed with readdir:
 * the package's own folder holds plain folders and files only, and loading glob would cost every scan ~15 ms.
 * Synchronous, as a dozen small folders are listed faster so than through the thread pool.
 */
export function bundledPolicyFiles(dir = BUILTIN_POLICIES_DIR): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...bundledPolicyFiles(path));
    else if (e.isFile() && /\.ya?ml$/.test(e.name)) files.push(path);
  }
  return files;
}

/** Load and validate policies; never throws for a bad policy file, returns its error instead. */
export async function loadPolicies(sources: PolicySources = {}): Promise<PolicyLoad> {
  const roots = [...(sources.builtin === false ? [] : [BUILTIN_POLICIES_DIR]), ...(sources.dirs ?? [])];
  const errors: ChatauditError[] = [];
  const files: string[] = [];
  for (const root of roots) {
    const found = await policyFiles(root);
    if (found.length === 0 && root !== BUILTIN_POLICIES_DIR) {
      errors.push(new PolicyError("no policy files (*.yaml, *.yml) found", { file: root }));
    }
    files.push(...found.sort());
  }
  // The bundled pack was parsed and validated at build time; files unchanged since are not parsed again.
  const prebuilt = roots.includes(BUILTIN_POLICIES_DIR) && sources.precompiled !== false
    ? await precompiledPolicies(files.filter(isBundled), sources.precompiled)
    : new Map<string, LoadedPolicy>();
  const policies: LoadedPolicy[] = [];
  const seen = new Map<string, LoadedPolicy>();
  for (const file of [...new Set(files)]) {
    try {
      const loaded = prebuilt.get(file) ?? (await loadPolicyFile(file, displayPath(file)));
      const previous = seen.get(loaded.policy.id);
      if (previous) {
        throw new PolicyError(`duplicate policy id ${loaded.policy.id}, already defined in ${previous.path}`, {
          file: loaded.path,
          line: loaded.lines.id ?? 1,
        });
      }
      seen.set(loaded.policy.id, loaded);
      policies.push(loaded);
    } catch (e) {
      if (e instanceof ChatauditErrors) errors.push(...e.errors);
      else errors.push(asPolicyError(e, displayPath(file)));
    }
  }
  return { policies, errors };
}

/**
 * Parse and validate every bundled policy from its YAML and write them, with each file's hash, as the precompiled
 * pack. Returns the problems instead of writing when any policy is invalid: the build must fail then.
 */
export async function precompileBundledPack(packFile = PRECOMPILED_PACK_FILE): Promise<ChatauditError[]> {
  const files = (await policyFiles(BUILTIN_POLICIES_DIR)).sort();
  const { policies, errors } = await loadPolicies({ precompiled: false });
  if (errors.length) return errors;
  const byPath = new Map(policies.map((p) => [p.path, p]));
  const entries = await Promise.all(
    files.map(async (file) => ({ file, bytes: await fs.readFile(file), loaded: byPath.get(displayPath(file))! })),
  );
  const pack: PrecompiledPack = precompiledPack(entries);
  await fs.writeFile(packFile, `${JSON.stringify(pack)}\n`, "utf8");
  return [];
}

function asPolicyError(e: unknown, file: string): ChatauditError {
  if (e instanceof PolicyError) return e;
  if (e && typeof e === "object" && "where" in e && typeof (e as ChatauditError).format === "function") {
    const err = e as ChatauditError;
    return new PolicyError(err.message, err.where ?? { file });
  }
  return new PolicyError(`cannot load policy: ${(e as Error)?.message ?? String(e)}`, { file });
}

/** Parse, validate and check one policy file's rules. Throws PolicyError at the offending line. */
export async function loadPolicyFile(file: string, shown = file): Promise<LoadedPolicy> {
  const source = await readSourceText(file, shown, 1024 * 1024);
  return parsePolicy(source.text, shown);
}

/** Validate policy text already read (used by the loader and by tests). */
export function parsePolicy(text: string, file: string): LoadedPolicy {
  const parsed = parseYaml(text, file);
  const value = parsed.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PolicyError("a policy file must hold one mapping (apiVersion, kind, id, ...)", { file, line: 1, column: 1 });
  }
  const validate = validatorFor("policy");
  if (!validate(value)) {
    const problems = schemaProblems(validate.errors).map(
      (problem) => new PolicyError(problem.message, { file, ...positionAtPath(parsed, problem.path) }),
    );
    throw problems.length === 1 ? problems[0]! : new ChatauditErrors(problems);
  }
  const policy = value as Policy;
  checkRules(policy, parsed, file);
  const lines: Record<string, number> = {};
  for (const key of Object.keys(policy)) lines[key] = positionAtPath(parsed, [key]).line;
  return { policy, path: file, lines };
}

/** Every rule must compile: known operations only, bounded depth. */
function checkRules(policy: Policy, parsed: ParsedYaml, file: string): void {
  const rules: [string[], unknown][] = [[["assert"], policy.assert]];
  if (policy.where !== undefined) rules.push([["where"], policy.where]);
  for (const [name, rule] of Object.entries(policy.compute ?? {})) rules.push([["compute", name], rule]);
  (policy.evidence ?? []).forEach((e, i) => {
    if (typeof e !== "string") rules.push([["evidence", String(i), "rule"], e.rule]);
  });
  for (const [path, rule] of rules) {
    try {
      compileRule(rule, { scoped: true, path: path.join(".") });
    } catch (e) {
      if (e instanceof RuleError) {
        const segments = ruleSegments(e.path);
        const at = positionAtPath(parsed, segments);
        throw new PolicyError(`${e.message} at ${e.path}`, { file, ...at });
      }
      throw e;
    }
  }
}

/** "assert.and[1].var" -> ["assert", "and", "1", "var"] */
function ruleSegments(path: string): string[] {
  return path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "");
}
