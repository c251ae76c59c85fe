// `chataudit policies list|show`: the policy catalogue as a table, as JSON, or one policy in full.

import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { loadPolicies } from "../policy/load.js";
import { FRAMEWORKS, type LoadedPolicy, type Policy } from "../policy/types.js";
import { RunStopped } from "../scan.js";

export interface PoliciesFlags {
  policies: string[];
  builtin: boolean;
  json?: boolean;
}

/** What `policies list --json` gives for each policy: the fields scripts and auditors select on. */
export interface PolicyListEntry {
  id: string;
  title: string;
  category: Policy["category"];
  severity: Policy["severity"];
  frameworks: Policy["frameworks"];
  remediation: string;
  params: NonNullable<Policy["params"]>;
  references: string[];
}

const FRAMEWORK_LABELS: Record<(typeof FRAMEWORKS)[number], string> = {
  "iso27001-2022": "ISO/IEC 27001:2022",
  "soc2-2017": "SOC 2 (TSC 2017)",
  "nist-800-53-r5": "NIST SP 800-53 Rev. 5",
  "cis-controls-v8": "CIS Controls v8",
  "gb-t-22239-2019": "GB/T 22239-2019 (MLPS 2.0, level 3)",
};

async function loadSorted(flags: PoliciesFlags): Promise<LoadedPolicy[]> {
  const { policies, errors } = await loadPolicies({ dirs: flags.policies, builtin: flags.builtin });
  if (errors.length > 0) throw new RunStopped(errors);
  if (!flags.builtin && flags.policies.length === 0) throw new UsageError("no policies: name --policies folders or leave out --no-builtin");
  return [...policies].sort((a, b) => a.policy.id.localeCompare(b.policy.id));
}

export function listEntry(policy: Policy): PolicyListEntry {
  return {
    id: policy.id,
    title: policy.title,
    category: policy.category,
    severity: policy.severity,
    frameworks: policy.frameworks,
    remediation: policy.remediation,
    params: policy.params ?? {},
    references: policy.references,
  };
}

/** A plain-text table, columns padded to their widest cell; the title column is last so long titles wrap harmlessly. */
export function renderPolicyTable(policies: readonly Policy[]): string {
  const header = ["ID", "SEVERITY", "CATEGORY", "TITLE"];
  const rows = policies.map((p) => [p.id, p.severity, p.category, p.title]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  return `${[line(header), ...rows.map(line)].join("\n")}\n${policies.length} ${policies.length === 1 ? "policy" : "policies"}\n`;
}

function formatValue(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
}

/** Wrap prose at about 100 columns under a two-space indent, for the terminal. */
function paragraph(text: string): string {
  const words = text.replace(/\s+/g, " ").trim().split(" ");
  const lines: string[] = [];
  let current = "";
  for (const word of words) {
    if (current && current.length + word.length + 1 > 98) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines.map((l) => `  ${l}`).join("\n");
}

/** One policy in full, as `policies show` prints it. */
export function renderPolicyDetail(loaded: LoadedPolicy): string {
  const p = loaded.policy;
  const out: string[] = [
    `${p.id}  ${p.title}`,
    `Category: ${p.category}    Severity: ${p.severity}${p.platforms ? `    Platforms: ${p.platforms.join(", ")}` : ""}`,
    `Source: ${loaded.path}`,
    "",
    "Description:",
    paragraph(p.description),
    "",
    "Rationale:",
    paragraph(p.rationale),
    "",
    "Remediation:",
    paragraph(p.remediation),
    "",
    "Parameters:",
    ...(Object.keys(p.params ?? {}).length
      ? Object.entries(p.params!).map(([k, v]) => `  ${k} = ${formatValue(v)}`)
      : ["  (none)"]),
    "",
    `Evaluates: ${p.select ? `each item of ${p.select}` : "the snapshot"}`,
    `Requires: ${(p.requires ?? []).join(", ") || "(nothing)"}`,
    "",
    "Frameworks:",
    ...FRAMEWORKS.filter((f) => p.frameworks[f]?.length).map((f) => `  ${FRAMEWORK_LABELS[f]}: ${p.frameworks[f]!.join(", ")}`),
    "",
    "References:",
    ...p.references.map((r) => `  ${r}`),
    "",
    `Examples: ${p.examples.pass.length} pass, ${p.examples.fail.length} fail`,
  ];
  return `${out.join("\n")}\n`;
}

/** Print the catalogue; returns the exit code. */
export async function listPolicies(flags: PoliciesFlags): Promise<number> {
  const policies = (await loadSorted(flags)).map((l) => l.policy);
  process.stdout.write(flags.json ? `${JSON.stringify(policies.map(listEntry), null, 2)}\n` : renderPolicyTable(policies));
  return 0;
}

/** Print one policy; an unknown id is a usage error (exit 2) that suggests close ids. */
export async function showPolicy(id: string, flags: PoliciesFlags): Promise<number> {
  const policies = await loadSorted(flags);
  const wanted = id.trim().toUpperCase();
  const found = policies.find((l) => l.policy.id.toUpperCase() === wanted);
  if (!found) {
    const area = wanted.split("-").slice(0, 2).join("-");
    const near = policies.map((l) => l.policy.id).filter((pid) => area.length > 3 && pid.startsWith(area));
    throw new UsageError(`no policy ${id}${near.length ? ` (policies of that area: ${near.join(", ")})` : " (run `chataudit policies list`)"}`);
  }
  process.stdout.write(flags.json ? `${JSON.stringify(found.policy, null, 2)}\n` : renderPolicyDetail(found));
  return 0;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];

export function registerPolicies(program: Command): void {
  const policies = program.command("policies").description("the policy catalogue: list every policy or show one");
  policies
    .command("list")
    .description("list policies: id, severity, category and title (--json: frameworks, remediation, params too)")
    .option("--json", "machine-readable output")
    .option("--policies <dir>", "extra policy folder (repeatable)", collect, [])
    .option("--no-builtin", "leave out the bundled policy pack")
    .action(async (flags: PoliciesFlags) => {
      process.exitCode = await listPolicies(flags);
    });
  policies
    .command("show")
    .description("show one policy in full: rationale, remediation, parameters, frameworks, references")
    .argument("<id>", "policy id, e.g. CA-BKP-001")
    .option("--json", "the policy as JSON")
    .option("--policies <dir>", "extra policy folder (repeatable)", collect, [])
    .option("--no-builtin", "leave out the bundled policy pack")
    .action(async (id: string, flags: PoliciesFlags) => {
      process.exitCode = await showPolicy(id, flags);
    });
}
