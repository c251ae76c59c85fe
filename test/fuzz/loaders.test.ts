// Fuzzing every loader with documents of every shape: the snapshot loader (files, auto-detection, every platform
// forced), the policy loader, and waivers, config, params and baseline files. Each either gives a valid result or
// throws a ChatauditError naming the file: never another exception, never a hang.

import fc from "fast-check";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify as toYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.js";
import { evaluateSnapshot } from "../../src/engine/evaluate.js";
import { loadBaseline } from "../../src/gate/baseline.js";
import { loadWaivers } from "../../src/gate/waivers.js";
import { compilePolicy, type CompiledPolicy } from "../../src/policy/compile.js";
import { loadPolicies, parsePolicy } from "../../src/policy/load.js";
import { loadParamsFile } from "../../src/policy/params.js";
import { validatorFor } from "../../src/schema.js";
import { loadCandidate, PLATFORMS } from "../../src/snapshot/load.js";
import { FIXTURES, SHARED } from "../helpers.js";
import { policyYaml, scratch } from "../hostile/support.js";
import { damaged, documentText, expectChatauditError, FUZZ, rule, schemaSnapshot } from "./arbitraries.js";

const AS_OF = "2026-06-01T00:00:00Z";
let dir: string;
let remove: () => void;
let pack: CompiledPolicy[];
let file = 0;

/** Each run writes its own file: a hostile name is not the point here, the content is. */
function write(ext: string, content: string): string {
  const path = join(dir, `doc-${(file += 1)}${ext}`);
  writeFileSync(path, content);
  return path;
}

beforeAll(async () => {
  ({ dir, remove } = scratch("fuzz-loaders"));
  const { policies, errors } = await loadPolicies();
  expect(errors).toEqual([]);
  pack = policies.map((p) => compilePolicy(p));
});
afterAll(() => remove());

const SAMPLES: Record<string, string> = {
  ".yaml": readFileSync(join(FIXTURES, "snapshots", "well-kept.yaml"), "utf8"),
  ".json": readFileSync(join(SHARED, "samples", "mattermost", "dev-seed.config.json"), "utf8"),
  ".yml": readFileSync(join(SHARED, "samples", "ejabberd", "debian-default.ejabberd.yml"), "utf8"),
  ".lua": readFileSync(join(SHARED, "samples", "prosody", "debian-default.prosody.cfg.lua"), "utf8"),
};
const validSnapshot = validatorFor("snapshot");

describe("the snapshot loader", () => {
  const input = fc.constantFrom(...Object.keys(SAMPLES)).chain((ext) => fc.tuple(fc.constant(ext), documentText(SAMPLES[ext])));

  it("loads a valid snapshot or records a failure naming the file, for any content, platform and way of finding it", async () => {
    await fc.assert(
      fc.asyncProperty(input, fc.constantFrom(...PLATFORMS), fc.boolean(), async ([ext, content], platform, discovered) => {
        const abs = write(ext, content);
        const outcome = await loadCandidate({ abs, shown: abs, discovered }, { platform, asOf: AS_OF }, dir);
        switch (outcome.kind) {
          case "snapshot": {
            expect(validSnapshot(outcome.snapshot.snapshot), JSON.stringify(validSnapshot.errors)).toBe(true);
            // What loads is evaluated: the bundled pack must judge it without an exception escaping.
            const { results } = evaluateSnapshot(pack, outcome.snapshot, { asOf: Date.parse(AS_OF) });
            expect(results).toHaveLength(pack.length);
            break;
          }
          case "failure":
            expectChatauditError(outcome.failure.error, abs);
            // "cannot load:" is how the loader wraps an exception it did not expect.
            expect(outcome.failure.error.message).not.toMatch(/^cannot load:/);
            break;
          default:
            expect(discovered).toBe(true);
        }
      }),
      { ...FUZZ, numRuns: 200 },
    );
  });

  it("loads schema-shaped snapshots written as JSON or YAML", async () => {
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(schemaSnapshot, fc.boolean(), async (snapshot, asJson) => {
        const abs = write(asJson ? ".json" : ".yaml", asJson ? JSON.stringify(snapshot, null, 2) : toYaml(snapshot));
        const outcome = await loadCandidate({ abs, shown: abs, discovered: false }, { asOf: AS_OF }, dir);
        if (outcome.kind === "failure") {
          expectChatauditError(outcome.failure.error, abs);
          expect(outcome.failure.error.message).not.toMatch(/^cannot load:/);
        } else {
          expect(outcome.kind).toBe("snapshot");
          loaded += 1;
        }
      }),
      { ...FUZZ, numRuns: 120 },
    );
    // The generator follows the schema: most of what it makes must load, or this checked only refusals.
    expect(loaded).toBeGreaterThan(60);
  });
});

describe("the policy loader", () => {
  const base = policyYaml("CA-FUZ-001", 'select: users\nassert: { "!": { in: [admin, { var: roles }] } }\nmessage: "{{username}} holds admin"');
  const withRule = fc.tuple(rule, fc.option(rule, { nil: undefined })).map(([assert, where]) =>
    policyYaml("CA-FUZ-002", `${where === undefined ? "" : `where: ${JSON.stringify(where)}\n`}assert: ${JSON.stringify(assert)}\nmessage: "{{constructor}} {{username}} {{params.x}}"`),
  );

  it("loads, compiles and evaluates a policy, or refuses it naming the file, for any text and any rule", () => {
    const statuses = new Set<string>();
    fc.assert(
      fc.property(fc.oneof(documentText(base), damaged(base), withRule), schemaSnapshot, (text, snapshot) => {
        let loaded;
        try {
          loaded = parsePolicy(text, "fuzz.yaml");
        } catch (e) {
          expectChatauditError(e, "fuzz.yaml");
          return;
        }
        // A policy that loaded compiles, and its evaluation errors stay inside its result.
        const compiled = compilePolicy(loaded);
        const { results } = evaluateSnapshot([compiled], { snapshot: snapshot as never, path: "s.yaml", sha256: "", platform: "generic", provenance: { locate: (paths) => new Map(paths.map((p) => [p, { path: "s.yaml", line: 1, column: 1 }])) } }, { asOf: Date.parse(AS_OF) });
        expect(results).toHaveLength(1);
        expect(["pass", "fail", "not-evaluated", "error"]).toContain(results[0]!.status);
        statuses.add(results[0]!.status);
      }),
      { ...FUZZ, numRuns: 300 },
    );
    // Policies did load and run: both verdicts were reached.
    expect(statuses).toContain("pass");
    expect(statuses).toContain("fail");
  });
});

describe("waivers, config, params and baseline files", () => {
  const waivers = readFileSync(join(FIXTURES, "gate", "waivers.yaml"), "utf8");
  const config = readFileSync(join(FIXTURES, "gate", "chataudit.yaml"), "utf8");
  const params = "CA-BKP-001: { maxAgeHours: 48 }\nCA-ACC-002: { maxAdmins: 3 }\n";
  const baseline = JSON.stringify({ version: 1, tool: { name: "chataudit", version: "0.1.0" }, createdAt: AS_OF, fingerprints: [{ fingerprint: "a".repeat(64), policyId: "CA-ACC-001", snapshot: "s", subject: "users/u1", severity: "high" }] }, null, 2);
  const loaders: [string, string, (path: string) => Promise<unknown>][] = [
    ["waivers", waivers, loadWaivers],
    ["config", config, loadConfig],
    ["params", params, loadParamsFile],
    ["baseline", baseline, loadBaseline],
  ];

  it.each(loaders)("%s: a value or a ChatauditError naming the file", async (_name, sample, load) => {
    await fc.assert(
      fc.asyncProperty(documentText(sample), async (content) => {
        const path = write(".yaml", content);
        try {
          await load(path);
        } catch (e) {
          expectChatauditError(e, path);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { ...FUZZ, numRuns: 120 },
    );
  });
});
