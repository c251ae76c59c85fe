// Many inputs over worker threads: the same reports, byte for byte, as one thread; a dying worker loses nothing.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_AS_OF, makeSnapshot, writeSnapshotFile } from "../../bench/generate.js";
import { compileWork, loadAndEvaluate, PARALLEL_MIN_CORES, PARALLEL_MIN_INPUTS, threadsFor, type InputWork } from "../../src/engine/parallel.js";
import { parsePolicy } from "../../src/policy/load.js";
import { expandInputs } from "../../src/snapshot/load.js";
import { REPO } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-parallel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fleet = join(dir, "fleet");

function newest(folder: string): number {
  let latest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

beforeAll(() => {
  // The workers run the built code: build it when src/ is newer (npm test builds first anyway).
  const worker = join(REPO, "dist", "engine", "worker.js");
  if (!existsSync(worker) || newest(join(REPO, "src")) > statSync(worker).mtimeMs) {
    spawnSync(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: REPO });
  }
  mkdirSync(fleet, { recursive: true });
  for (let t = 0; t < 90; t += 1) {
    writeSnapshotFile(join(fleet, `tenant-${String(t).padStart(3, "0")}.json`), { name: `tenant-${t}`, seed: t, users: 12, endpoints: 3, backupRuns: 4 });
  }
  // What a real folder holds besides clean snapshots: a YAML one, a broken one, an empty one, a stray
  // data file, and two tenants exported under the same name.
  const yaml = makeSnapshot({ name: "yaml-tenant", seed: 5, users: 3, endpoints: 1, backupRuns: 1 });
  writeFileSync(join(fleet, "tenant-yaml.yaml"), `apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: ${JSON.stringify(yaml.metadata)}\nusers: ${JSON.stringify(yaml.users)}\n`);
  writeFileSync(join(fleet, "tenant-broken.json"), '{ "apiVersion": "chataudit/v1", ');
  writeFileSync(join(fleet, "tenant-empty.json"), "");
  writeFileSync(join(fleet, "notes.json"), '{ "owner": "it" }');
  writeSnapshotFile(join(fleet, "tenant-zz-duplicate.json"), { name: "tenant-7", seed: 7, users: 2, endpoints: 1, backupRuns: 1 });
}, 180_000);

function scanWith(threads: number) {
  const out = join(dir, `out-${threads}`);
  const run = spawnSync(
    process.execPath,
    [join(REPO, "bin", "chataudit.js"), "scan", fleet, "--format", "json,sarif,csv", "--output", out, "--fail-on", "none", "--as-of", BENCH_AS_OF],
    { cwd: dir, env: { ...process.env, CHATAUDIT_THREADS: String(threads), CHATAUDIT_TIMINGS: "" }, encoding: "utf8" },
  );
  return { code: run.status, stderr: run.stderr, files: ["chataudit.json", "chataudit.sarif", "chataudit.csv"].map((f) => readFileSync(join(out, f), "utf8")) };
}

describe("scanning a fleet over worker threads", () => {
  it("writes byte-identical reports with 1, 2 and 3 threads", () => {
    const one = scanWith(1);
    expect(one.code).toBe(2); // the broken and empty files make the run untrusted, in every mode
    const report = JSON.parse(one.files[0]!);
    expect(report.inputs).toHaveLength(94);
    expect(report.inputs.filter((i: { status: string }) => i.status === "error")).toHaveLength(2);
    expect(report.warnings.join("\n")).toMatch(/notes\.json/);
    expect(report.warnings.join("\n")).toMatch(/"tenant-7" is also used by/);
    for (const threads of [2, 3]) {
      const many = scanWith(threads);
      expect(many.code, `${threads} threads`).toBe(one.code);
      expect(many.stderr, `${threads} threads`).toBe(one.stderr);
      many.files.forEach((text, i) => expect(text === one.files[i], `${threads} threads, file ${i}`).toBe(true));
    }
  }, 180_000);
});

describe("the worker pool", () => {
  const policy = parsePolicy(
    `apiVersion: chataudit/v1
kind: Policy
id: CA-TST-100
title: Users use MFA
category: access
severity: high
description: Every user signs in with multi-factor authentication.
rationale: A test policy the pool tests control.
remediation: Turn MFA on for the user.
references: [https://example.com]
frameworks: { nist-800-53-r5: [IA-2] }
select: users
assert: { "===": [{ var: mfa }, true] }
message: "{{username}} has no MFA"
examples: { pass: [{}], fail: [{}] }
`,
    "CA-TST-100.yaml",
  );

  async function setup() {
    const expanded = await expandInputs([fleet], { asOf: BENCH_AS_OF, root: dir });
    const work: InputWork = { load: { asOf: BENCH_AS_OF, root: dir }, root: expanded.root, asOf: Date.parse(BENCH_AS_OF), policies: [policy], overrides: {} };
    return { expanded, work, compiled: compileWork(work) };
  }

  it("hands a crashed worker's batches back, so every input is still evaluated, in order", async () => {
    const { expanded, work, compiled } = await setup();
    const alone = await loadAndEvaluate(expanded.candidates, work, compiled, { threads: 1 });
    const dying = join(dir, "dying-worker.mjs");
    writeFileSync(dying, "process.exit(3);\n");
    const rescued = await loadAndEvaluate(expanded.candidates, work, compiled, { threads: 3, workerUrl: pathToFileURL(dying) });
    expect(rescued).toEqual(alone);
    expect(alone.filter((o) => o.kind === "snapshot").length).toBe(92);
  });

  it("redoes a batch a worker could not finish", async () => {
    const { expanded, work, compiled } = await setup();
    const alone = await loadAndEvaluate(expanded.candidates, work, compiled, { threads: 1 });
    const failing = join(dir, "failing-worker.mjs");
    writeFileSync(failing, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", (m) => parentPort.postMessage({ batch: m.batch, error: "disk on fire" }));\n');
    expect(await loadAndEvaluate(expanded.candidates, work, compiled, { threads: 2, workerUrl: pathToFileURL(failing) })).toEqual(alone);
  });

  it("uses workers only with enough inputs and enough cores, unless told", () => {
    expect(threadsFor(PARALLEL_MIN_INPUTS - 1, {}, 16)).toBe(1);
    expect(threadsFor(5000, {}, PARALLEL_MIN_CORES - 1)).toBe(1);
    expect(threadsFor(5000, {}, PARALLEL_MIN_CORES)).toBe(PARALLEL_MIN_CORES);
    expect(threadsFor(5000, {}, 64)).toBe(8);
    expect(threadsFor(5000, { CHATAUDIT_THREADS: "1" })).toBe(1);
    expect(threadsFor(10, { CHATAUDIT_THREADS: "4" })).toBe(4);
    expect(threadsFor(2, { CHATAUDIT_THREADS: "4" })).toBe(2);
    expect(threadsFor(5000, { CHATAUDIT_THREADS: "99" })).toBe(8);
    expect(threadsFor(5000, {})).toBeGreaterThanOrEqual(1);
  });
});
