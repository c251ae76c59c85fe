// The bundled pack's parity test: every policy is well-formed, correctly filed, correctly mapped and proves itself.

import { readFileSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateSnapshot } from "../../src/engine/evaluate.js";
import { compilePolicy } from "../../src/policy/compile.js";
import { formatExampleFailure, runPolicyExamples } from "../../src/policy/examples.js";
import { varPaths } from "../../src/policy/jsonlogic.js";
import { loadPolicies } from "../../src/policy/load.js";
import { CATEGORIES, FRAMEWORKS, type LoadedPolicy, type Policy } from "../../src/policy/types.js";
import { loadInputs } from "../../src/snapshot/load.js";
import { CATEGORY_HEADINGS, expectedOutputs, replaceReadmeBlock } from "../../scripts/gen-policy-docs.js";
import { REPO, snapshotOf, AS_OF } from "../helpers.js";

/** Which CA-<AREA> belongs to which category: the id says where the policy lives. */
const AREA_OF_CATEGORY: Record<string, string> = {
  updates: "UPD", backup: "BKP", access: "ACC", endpoints: "END", retention: "RET",
  monitoring: "MON", audit: "AUD", training: "TRN", feedback: "FBK", encryption: "ENC",
};

interface FrameworkFile { controls: string[] | Record<string, string> }
const frameworkFile = parseYaml(readFileSync(join(REPO, "data/frameworks.yaml"), "utf8")) as Record<string, FrameworkFile>;
const knownControls = new Map(
  Object.entries(frameworkFile).map(([name, f]) => [name, new Set(Array.isArray(f.controls) ? f.controls : Object.keys(f.controls))]),
);

const snapshotSchema = JSON.parse(readFileSync(join(REPO, "schemas/snapshot.schema.json"), "utf8")) as SchemaNode;
interface SchemaNode { type?: string | string[]; properties?: Record<string, SchemaNode>; items?: SchemaNode; $ref?: string }

/** Whether a dotted snapshot path names something the snapshot model defines (settings is free-form). */
function inSnapshotModel(path: string): boolean {
  let node: SchemaNode | undefined = snapshotSchema;
  for (const key of path.split(".")) {
    if (!node) return false;
    if (node.items) node = node.items;
    if (node.$ref) node = (snapshotSchema as { definitions: Record<string, SchemaNode> }).definitions[node.$ref.split("/").pop()!];
    if (!node?.properties) return (node?.type === "object" || (Array.isArray(node?.type) && node.type.includes("object")));
    node = node.properties[key];
  }
  return node !== undefined;
}

/** Every JSON Logic rule of a policy, for walking. */
function rulesOf(p: Policy): unknown[] {
  return [p.assert, p.where, ...Object.values(p.compute ?? {})].filter((r) => r !== undefined);
}

/** Every var path read anywhere in a rule, bodies of map/filter/reduce included (varPaths skips those). */
function allVarPaths(rule: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(rule)) rule.forEach((r) => allVarPaths(r, out));
  else if (rule && typeof rule === "object") {
    for (const [op, args] of Object.entries(rule)) {
      const list = Array.isArray(args) ? args : [args];
      if (op === "var" && typeof list[0] === "string") out.add(list[0]);
      list.forEach((a) => allVarPaths(a, out));
    }
  }
  return out;
}

let policies: LoadedPolicy[] = [];

beforeAll(async () => {
  const load = await loadPolicies({ builtin: true });
  expect(load.errors.map((e) => e.format())).toEqual([]);
  policies = load.policies;
});

describe("the bundled policy pack", () => {
  it("has at least 40 policies covering all ten categories", () => {
    expect(policies.length).toBeGreaterThanOrEqual(40);
    const covered = new Set(policies.map((p) => p.policy.category));
    expect([...CATEGORIES].filter((c) => !covered.has(c))).toEqual([]);
  });

  it("never reuses an id", () => {
    const ids = policies.map((p) => p.policy.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("files every policy as policies/<category>/<ID>-<slug>.yaml with a CA-<AREA> id of its category", () => {
    const misfiled = policies.flatMap(({ policy, path }) => {
      const rel = relative(join(REPO, "policies"), join(REPO, path)).split(sep);
      const problems: string[] = [];
      if (rel.length !== 2 || rel[0] !== policy.category) problems.push(`${path}: folder is not ${policy.category}/`);
      if (!new RegExp(`^${policy.id}-[a-z0-9]+(-[a-z0-9]+)*\\.yaml$`).test(basename(path))) problems.push(`${path}: file name does not start with ${policy.id}-<slug>`);
      if (!policy.id.startsWith(`CA-${AREA_OF_CATEGORY[policy.category]}-`)) problems.push(`${path}: ${policy.id} is not a CA-${AREA_OF_CATEGORY[policy.category]} id`);
      return problems;
    });
    expect(misfiled).toEqual([]);
  });

  it("names only known categories and framework controls", () => {
    const unknown = policies.flatMap(({ policy, path }) => {
      const problems: string[] = [];
      if (!(CATEGORIES as readonly string[]).includes(policy.category)) problems.push(`${path}: category ${policy.category}`);
      for (const [framework, controls] of Object.entries(policy.frameworks)) {
        if (!(FRAMEWORKS as readonly string[]).includes(framework)) problems.push(`${path}: framework ${framework}`);
        for (const c of controls ?? []) if (!knownControls.get(framework)?.has(c)) problems.push(`${path}: ${framework} ${c}`);
      }
      return problems;
    });
    expect(unknown).toEqual([]);
  });

  it("maps every policy to at least two frameworks and cites https references", () => {
    const weak = policies.flatMap(({ policy, path }) => [
      ...(Object.keys(policy.frameworks).length < 2 ? [`${path}: fewer than two frameworks`] : []),
      ...policy.references.filter((r) => !r.startsWith("https://")).map((r) => `${path}: ${r}`),
    ]);
    expect(weak).toEqual([]);
  });

  // Policies with no control in a framework, and why: the framework has no control the evidence fits.
  // A new policy missing a framework fails below until it is mapped or named here with its reason.
  const UNMAPPED: Partial<Record<(typeof FRAMEWORKS)[number], Record<string, string>>> = {
    "nist-800-53-r5": {
      "CA-FBK-001": "user feedback on a service is not a security control in 800-53",
      "CA-FBK-002": "user surveys are not a security control in 800-53",
    },
    "cis-controls-v8": {
      "CA-AUD-002": "CIS v8 has safeguards for penetration tests (18) but none for a periodic audit",
      "CA-FBK-001": "CIS v8 has no safeguard for user feedback",
      "CA-FBK-002": "CIS v8 has no safeguard for user surveys",
      "CA-MON-002": "CIS v8 safeguards cover security logs, not capacity alerts",
    },
  };

  it("maps every policy to at least one control of each of the five frameworks, or says why not", () => {
    const missing = policies.flatMap(({ policy, path }) =>
      FRAMEWORKS.filter((f) => !(policy.frameworks[f]?.length) && !UNMAPPED[f]?.[policy.id]).map((f) => `${path}: no ${f} control`),
    );
    const stale = Object.entries(UNMAPPED).flatMap(([f, ids]) =>
      Object.keys(ids).filter((id) => {
        const found = policies.find((p) => p.policy.id === id);
        return !found || (found.policy.frameworks[f as (typeof FRAMEWORKS)[number]]?.length ?? 0) > 0;
      }).map((id) => `${f} exemption for ${id} is stale`),
    );
    expect([...missing, ...stale]).toEqual([]);
  });

  it("declares every parameter it reads and reads every parameter it declares", () => {
    const problems = policies.flatMap(({ policy, path }) => {
      const declared = new Set(Object.keys(policy.params ?? {}));
      const read = new Set<string>();
      for (const rule of rulesOf(policy)) {
        for (const v of allVarPaths(rule)) if (v.startsWith("params.")) read.add(v.split(".")[1]!);
      }
      for (const m of policy.message.matchAll(/params\.([A-Za-z0-9_]+)/g)) read.add(m[1]!);
      return [
        ...[...read].filter((p) => !declared.has(p)).map((p) => `${path}: reads undeclared params.${p}`),
        ...[...declared].filter((p) => !read.has(p)).map((p) => `${path}: declares unused param ${p}`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it("only shows computed values it computes and only requires paths of the snapshot model", () => {
    const problems = policies.flatMap(({ policy, path }) => {
      const computed = new Set(Object.keys(policy.compute ?? {}));
      const out: string[] = [];
      const used = [policy.message, ...rulesOf(policy).map((r) => JSON.stringify(r))].join(" ");
      for (const m of used.matchAll(/computed\.([A-Za-z0-9_]+)/g)) if (!computed.has(m[1]!)) out.push(`${path}: uses undefined computed.${m[1]}`);
      for (const r of [...(policy.requires ?? []), ...(policy.select ? [policy.select] : [])]) {
        if (!inSnapshotModel(r)) out.push(`${path}: ${r} is not in the snapshot model`);
      }
      for (const v of varPaths(policy.assert)) {
        if (v.startsWith("snapshot.") && !inSnapshotModel(v.slice("snapshot.".length))) out.push(`${path}: reads unknown ${v}`);
      }
      return out;
    });
    expect(problems).toEqual([]);
  });

  it("gives every policy a passing and a failing example, and each example the status it claims", () => {
    const failures: string[] = [];
    for (const loaded of policies) {
      const run = runPolicyExamples(loaded);
      if (!run.checks.some((c) => c.kind === "pass") || !run.checks.some((c) => c.kind === "fail")) {
        failures.push(`${loaded.path}: needs at least one pass and one fail example`);
      }
      for (const check of run.checks) if (!check.ok) failures.push(formatExampleFailure(run, check));
    }
    expect(failures).toEqual([]);
  });

  it("evaluates at least one subject in every passing example (a pass that judged nothing proves nothing)", () => {
    const empty = policies.flatMap((loaded) =>
      runPolicyExamples(loaded).checks
        .filter((c) => c.kind === "pass" && c.reason === "no subject was evaluated")
        .map((c) => `${loaded.path}: examples.pass[${c.index}]`),
    );
    expect(empty).toEqual([]);
  });
});

describe("missing evidence is not-evaluated, never a pass or a fail", () => {
  it("reports every snapshot-level policy with requires as not-evaluated on an empty snapshot", () => {
    const bare = snapshotOf({});
    const wrong = policies
      .filter(({ policy }) => (policy.requires ?? []).length > 0)
      .flatMap((loaded) => {
        const { results } = evaluateSnapshot([compilePolicy(loaded)], bare, { asOf: AS_OF });
        return results[0]!.status === "not-evaluated" ? [] : [`${loaded.path}: ${results[0]!.status}`];
      });
    expect(wrong).toEqual([]);
  });

  it("lists no policy without requires: each one names the evidence it needs", () => {
    expect(policies.filter(({ policy }) => !(policy.requires ?? []).length).map((p) => p.path)).toEqual([]);
  });
});

describe("policy parameters change the verdict as documented", () => {
  const byId = (id: string) => policies.find((p) => p.policy.id === id)!;

  it("CA-UPD-001 passes a still-supported ESR line only when exemptWhileSupported is set", () => {
    const esr = snapshotOf({ software: { product: "mattermost", version: "10.11.14", latestVersion: "11.8.1", supportEndsAt: "2026-08-15" } });
    const run = (overrides?: Record<string, unknown>) =>
      evaluateSnapshot([compilePolicy(byId("CA-UPD-001"), overrides)], esr, { asOf: AS_OF }).results[0]!.status;
    expect(run()).toBe("fail");
    expect(run({ exemptWhileSupported: true })).toBe("pass");
  });

  it("CA-AUD-004 uses the deadline of each vulnerability's severity", () => {
    const vuln = (severity: string, publishedAt: string) => ({ id: `CVE-${severity}`, severity, publishedAt });
    const snapshot = snapshotOf({
      audit: { vulnerabilities: [vuln("critical", "2026-05-10"), vuln("high", "2026-05-10"), vuln("low", "2026-01-01")] },
    });
    const { results, findings } = evaluateSnapshot([compilePolicy(byId("CA-AUD-004"))], snapshot, { asOf: AS_OF });
    expect(results[0]).toMatchObject({ status: "fail", evaluated: 3, failed: 1 });
    expect(findings[0]!.subject).toBe("audit.vulnerabilities/CVE-critical");
  });

  it("CA-ACC-003 judges the share of administrators only when users lists every account", () => {
    // What an ejabberd or Prosody config alone gives: its admins, every one an administrator.
    const admins = Array.from({ length: 6 }, (_, i) => ({ id: `a${i}@example.org`, roles: ["admin"], status: "active" as const }));
    const run = (usersListed?: "all" | "admins") =>
      evaluateSnapshot([compilePolicy(byId("CA-ACC-003"))], snapshotOf({ metadata: { usersListed } as never, users: admins }), { asOf: AS_OF }).results[0]!;
    expect(run()).toMatchObject({ status: "fail" });
    expect(run("all")).toMatchObject({ status: "fail" });
    expect(run("admins")).toMatchObject({ status: "not-evaluated", failed: 0 });
    expect(run("admins").reason).toBe(
      "missing evidence: users listing every account (an ejabberd or Prosody config alone names only its admins; add a users export)",
    );
  });
});

describe("the example snapshots in fixtures/snapshots", () => {
  /** Every bundled policy against one fixture, evaluated at the fixture's collection time. */
  async function evaluateFixture(name: string) {
    const file = join(REPO, "fixtures/snapshots", name);
    const { snapshots, failures } = await loadInputs([file], { asOf: "2026-09-28T06:00:00Z", root: REPO });
    expect(failures.map((f) => f.error.format())).toEqual([]);
    const loaded = snapshots[0]!;
    const asOf = Date.parse(loaded.snapshot.metadata.collectedAt);
    return evaluateSnapshot(policies.map((p) => compilePolicy(p)), loaded, { asOf });
  }

  it("a well-kept platform fails no policy, and every policy is evaluated", async () => {
    const { results, findings } = await evaluateFixture("well-kept.yaml");
    expect(findings.map((f) => `${f.policyId} ${f.subject}: ${f.message}`)).toEqual([]);
    expect(results.filter((r) => r.status !== "pass").map((r) => `${r.policyId}: ${r.status} ${r.reason ?? ""}`)).toEqual([]);
    // Per-item policies judged real subjects, not an empty list.
    expect(results.filter((r) => r.evaluated === 0).map((r) => r.policyId)).toEqual([]);
  });

  it("a neglected platform fails in every category, and fails nearly every policy", async () => {
    const { results } = await evaluateFixture("neglected.yaml");
    const failedCategories = new Set(results.filter((r) => r.status === "fail").map((r) => r.category));
    expect([...CATEGORIES].filter((c) => !failedCategories.has(c))).toEqual([]);
    expect(results.filter((r) => r.status === "error")).toEqual([]);
    const notFailing = results.filter((r) => r.status !== "fail").map((r) => `${r.policyId}: ${r.status} ${r.reason ?? ""}`.trim());
    expect(notFailing).toEqual([
      // Message retention is off (CA-RET-001 fails), so there is no limit to judge.
      "CA-RET-002: not-evaluated not applicable to this snapshot",
      // File retention is on, but without a limit: CA-RET-004 fails instead.
      "CA-RET-003: pass",
      // 10.5 is on another line than the latest 11.11: CA-UPD-001 and CA-UPD-003 fail instead.
      "CA-UPD-002: pass",
      // Support already ended (CA-UPD-003 fails), so no "ending soon" warning.
      "CA-UPD-004: not-evaluated not applicable to this snapshot",
    ]);
  });
});

describe("the generated policy catalogue (docs/policies.md and the README block)", () => {
  it("is up to date with the policy files (run node scripts/gen-policy-docs.js)", () => {
    for (const [file, expected] of Object.entries(expectedOutputs(REPO))) {
      expect(readFileSync(join(REPO, file), "utf8"), `${file} is out of date: run node scripts/gen-policy-docs.js`).toBe(expected);
    }
  });

  it("lists every policy with its parameters' defaults", () => {
    const docs = readFileSync(join(REPO, "docs/policies.md"), "utf8");
    for (const { policy } of policies) {
      expect(docs).toContain(`| ${policy.severity} | ${policy.title} |`);
      for (const [name, value] of Object.entries(policy.params ?? {})) {
        expect(docs).toContain(`\`${name}\` = ${Array.isArray(value) ? `[${value.join(", ")}]` : String(value)}`);
      }
    }
  });

  it("knows every category, in the documented order", () => {
    expect(Object.keys(CATEGORY_HEADINGS)).toEqual([...CATEGORIES]);
  });

  it("replaces only the text between the README markers", () => {
    const readme = "# T\nintro\n<!-- policies:start -->\nold\n<!-- policies:end -->\n## After\n";
    expect(replaceReadmeBlock(readme, "new")).toBe("# T\nintro\n<!-- policies:start -->\nnew\n<!-- policies:end -->\n## After\n");
    expect(() => replaceReadmeBlock("# no markers\n", "new")).toThrow(/policies:start/);
  });
});

describe("the pack's folder layout", () => {
  it("keeps policy files under policies/", () => {
    for (const { path } of policies) expect(dirname(path).startsWith("policies")).toBe(true);
  });
});
