// Hostile and broken policy files: unknown operations, rules that would throw, rules nested without end and
// self-referencing YAML are refused when the policy is loaded, naming the file, the path inside it and the line.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../cli/run.js";
import { expectRefused, policyYaml, scanArgs, scratch, snapshotYaml, strayStderr } from "./support.js";

let dir: string;
let out: string;
let snapshot: string;
let remove: () => void;

function policy(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body.includes("apiVersion:") ? body : policyYaml("CA-HST-100", body));
  return path;
}

/** Scan one snapshot with only the given policy; a refused policy must stop the run before any report. */
async function scanWith(policyPath: string, ...extra: string[]) {
  return cli(...scanArgs([snapshot], out, "--no-builtin", "--policies", policyPath, ...extra));
}

beforeAll(() => {
  ({ dir, remove } = scratch("hostile-policies"));
  out = join(dir, "out");
  snapshot = join(dir, "snapshot.yaml");
  writeFileSync(snapshot, snapshotYaml("policies", "users:\n  - { id: u1, username: alice, roles: [user], status: active }\nsettings: { list: { indexOf: 1 } }\n"));
});
afterAll(() => remove());

// policyYaml puts the body on line 13.
const BODY = 13;

describe("operations that do not exist", () => {
  it.each([
    ["frobnicate", "assert:\n  and:\n    - true\n    - frobnicate: [1]\nmessage: never", "assert.and[1].frobnicate", BODY + 3, 7],
    ["method", "assert: { method: [{ var: username }, toUpperCase] }\nmessage: never", "assert.method", BODY, 11],
    ["log", "select: users\nwhere: { log: [1] }\nassert: true\nmessage: never", "where.log", BODY + 1, 10],
    ["eval in compute", "compute:\n  x: { \"!\": [{ eval: [\"process.exit(3)\"] }] }\nassert: true\nmessage: never", "compute.x.![0].eval", BODY + 1, 16],
  ])("refuses %s at the file, the path inside it and its line", async (_name, body, path, line, column) => {
    const file = policy(`unknown-${path.replace(/\W/g, "_")}.yaml`, body);
    const result = await scanWith(file);
    expectRefused(result, { file, line, column, reason: new RegExp(`unknown JSON Logic operation .* at ${path.replace(/[.[\]!]/g, "\\$&")}$`) });
    expect(existsSync(join(out, "chataudit.json"))).toBe(false);
  });

  it("reports every bad policy of a folder in one run, and evaluates nothing", async () => {
    const folder = join(dir, "several");
    mkdirSync(folder);
    writeFileSync(join(folder, "a.yaml"), policyYaml("CA-HST-101", "assert: { frobnicate: [] }\nmessage: never"));
    writeFileSync(join(folder, "b.yaml"), policyYaml("CA-HST-102", "assert: { log: 1 }\nmessage: never"));
    writeFileSync(join(folder, "c.yaml"), policyYaml("CA-HST-103", "assert: true\nmessage: all fine"));
    const result = await scanWith(folder);
    expectRefused(result, { file: join(folder, "a.yaml"), line: BODY, reason: /frobnicate/ });
    expectRefused(result, { file: join(folder, "b.yaml"), line: BODY, reason: /"log"/ });
    expect(result.stderr.trim().split("\n"), result.stderr).toHaveLength(2);
    expect(existsSync(join(out, "chataudit.json"))).toBe(false);
  });
});

describe("rules that would throw", () => {
  it.each([
    ['"*" with no arguments', 'assert: { and: [{ ">": [{ "*": [] }, 1] }] }\nmessage: never', 'assert.and[0].>[0].*', /"\*" needs at least one argument/],
    ["missing_some without a key list", "assert: { missing_some: [1] }\nmessage: never", "assert.missing_some", /"missing_some" takes \[minimum, \[keys...\]\]/],
    ["missing_some with a string for keys", "assert: { missing_some: [1, users] }\nmessage: never", "assert.missing_some", /"missing_some" takes/],
  ])("refuses %s when the policy is loaded", async (_name, body, path, reason) => {
    const file = policy(`throws-${path.replace(/\W/g, "_")}.yaml`, body);
    const line = expectRefused(await scanWith(file), { file, line: BODY, reason });
    expect(line.endsWith(` at ${path}`)).toBe(true);
  });

  it("names the policy and the input when the data makes a rule throw, and still reports everything", async () => {
    // `in` calls the list's indexOf: a mapping with its own `indexOf` key makes json-logic-js throw, and so does the engine.
    const file = policy("data-throws.yaml", "assert: { \"!\": { in: [x, { var: settings.list }] } }\nmessage: never");
    const result = await scanWith(file, "--format", "json,console");
    expect(strayStderr(result.stderr)).toEqual([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^chataudit: error: ${file}: CA-HST-100 could not be evaluated on ${snapshot}: evaluation failed: .+$`, "m"));
    expect(result.stdout).toContain("1 errors");
    expect(existsSync(join(out, "chataudit.json"))).toBe(true);
  });
});

describe("rules nested without end", () => {
  it("refuses a rule nested deeper than the compiler allows, at its line", async () => {
    const file = policy("deep-rule.yaml", `assert: ${'{ "!": '.repeat(300)}true${" }".repeat(300)}\nmessage: never`);
    const line = expectRefused(await scanWith(file), { file, line: BODY, reason: /rule nested deeper than 256 levels at assert\.!/ });
    expect(line.length).toBeLessThan(4000);
  });

  it("refuses block nesting as deep, at the line of the first rule too deep", async () => {
    // assert: / and: / - and: / - and: ... each `- and:` one level deeper than the line above it.
    const levels = Array.from({ length: 399 }, (_, i) => `${" ".repeat(4 * (i + 1))}- and:`);
    const file = policy("deep-block.yaml", ["assert:", "  and:", ...levels, `${" ".repeat(4 * 400)}- true`, "message: never"].join("\n"));
    expectRefused(await scanWith(file), { file, line: BODY + 1 + 257, column: 4 * 257 + 3, reason: /rule nested deeper than 256 levels at assert(\.and\[0\]){257}$/ });
  });

  it("refuses YAML flow nesting 200,000 levels deep", async () => {
    const file = policy("deep-flow.yaml", `assert: { and: ${"[".repeat(200_000)}${"]".repeat(200_000)} }\nmessage: never`);
    const started = performance.now();
    const result = await scanWith(file);
    expectRefused(result, { file, line: BODY, reason: /nested too deeply to read|larger than the limit/ });
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("refuses a rule that refers to itself through a YAML alias", async () => {
    const file = policy("alias-loop.yaml", "assert: &loop { and: [true, *loop] }\nmessage: never");
    expectRefused(await scanWith(file), { file, reason: /alias|nested|circular/i });
  });
});

describe("files that are not policies", () => {
  it.each([
    ["empty.yaml", ""],
    ["list.yaml", "- apiVersion: chataudit/v1\n"],
    ["number.yaml", "42\n"],
    ["garbage.yaml", "\u0000\u0001\u0002 {{{"],
  ])("refuses %s", async (name, content) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    expectRefused(await scanWith(file), { file });
  });

  it("refuses a policy file over 1 MiB without parsing it", async () => {
    const file = policy("huge.yaml", `assert: true\nmessage: never\ndescription: "${"x".repeat(1_100_000)}"`);
    expectRefused(await scanWith(file), { file, reason: /larger than the limit of 1\.0 MiB/ });
  });
});
