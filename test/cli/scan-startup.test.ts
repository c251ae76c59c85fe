// What a scan of JSON snapshots has loaded by the time it starts on the policies: no YAML, Ajv compiler,
// Handlebars, semver or glob, which the build's precompiled files and lazy loading make unnecessary there.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers.js";

let dir: string;

// Reports, on the `policies` timing line, every package file loaded so far: required ones from the CommonJS
// cache, imported ones as a module hook (on its own thread) sees them resolved.
const HOOKS = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}`;
const PRELOAD = (hooks: string) => `
import { createRequire, register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const imported = new Set();
const { port1, port2 } = new MessageChannel();
port1.on("message", (url) => imported.add(url));
port1.unref();
register(${JSON.stringify(hooks)}, { data: { port: port2 }, transferList: [port2] });
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk, ...rest) => {
  if (String(chunk).includes("timing: policies")) {
    const required = Object.keys(createRequire(import.meta.url)("node:module")._cache);
    write("LOADED " + JSON.stringify([...imported, ...required]) + "\\n");
  }
  return write(chunk, ...rest);
};`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chataudit-startup-"));
  writeFileSync(join(dir, "hooks.mjs"), HOOKS);
  writeFileSync(join(dir, "preload.mjs"), PRELOAD(pathToFileURL(join(dir, "hooks.mjs")).href));
  writeFileSync(
    join(dir, "snapshot.json"),
    JSON.stringify({
      apiVersion: "chataudit/v1",
      kind: "Snapshot",
      metadata: { name: "startup", platform: "mattermost", collectedAt: "2026-06-01T00:00:00Z" },
      software: { product: "mattermost", version: "10.5.1" },
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The package files (path below node_modules/) loaded when the scan reached its policies. */
function loadedAtPolicies(): string[] {
  const args = ["--import", pathToFileURL(join(dir, "preload.mjs")).href, join(REPO, "bin/chataudit.js"), "scan", join(dir, "snapshot.json")];
  const options = ["--format", "json", "--output", join(dir, "out"), "--fail-on", "none", "-q", "--no-config", "--as-of", "2026-06-01T00:00:00Z"];
  const { status, stderr } = spawnSync(process.execPath, [...args, ...options], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CHATAUDIT_TIMINGS: "1" },
  });
  expect(status, stderr).toBe(0);
  const line = stderr.split("\n").find((l) => l.startsWith("LOADED "));
  expect(line, stderr).toBeDefined();
  return (JSON.parse(line!.slice("LOADED ".length)) as string[])
    .filter((f) => f.includes("/node_modules/"))
    .map((f) => f.slice(f.lastIndexOf("/node_modules/") + "/node_modules/".length));
}

describe("a JSON scan's startup", () => {
  it("loads the CLI parser and the standalone validators' helpers, and none of the heavy libraries", () => {
    const loaded = loadedAtPolicies();
    const packages = new Set(loaded.map((f) => f.split("/")[0]));
    // Both ways of seeing a load work: commander is imported, the format functions are required.
    expect(loaded).toEqual(expect.arrayContaining([expect.stringMatching(/^commander\//), "ajv-formats/dist/formats.js"]));
    for (const heavy of ["yaml", "handlebars", "semver", "glob", "minimatch", "json-logic-js"]) expect(packages).not.toContain(heavy);
    // Of Ajv, only the runtime helpers the generated code calls: not the compiler.
    expect(loaded.filter((f) => f.startsWith("ajv/")).every((f) => f.startsWith("ajv/dist/runtime/")), loaded.join(" ")).toBe(true);
  });
});
