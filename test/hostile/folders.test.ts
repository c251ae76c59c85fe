// Scanning folders that hold traps: symlink loops, dangling links, pipes and unreadable files are skipped with a
// warning and never hang the scan; one broken snapshot among many costs only itself, and the run says so.

import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../cli/run.js";
import { expectRefused, scanArgs, scratch, snapshotYaml, strayStderr } from "./support.js";

let dir: string;
let out: string;
let remove: () => void;

interface Report {
  inputs: { path: string; status: string; snapshot?: string; error?: { message: string; line?: number; column?: number } }[];
  results: { snapshot: string }[];
  warnings: string[];
  summary: { exitCode: number; snapshots: number; inputErrors: number };
}

const report = (): Report => JSON.parse(readFileSync(join(out, "chataudit.json"), "utf8")) as Report;

beforeAll(() => {
  ({ dir, remove } = scratch("hostile-folders"));
  out = join(dir, "out");
});
afterAll(() => {
  // A folder made unreadable for the test must be readable again to be removed.
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) chmodSync(join(entry.parentPath, entry.name), 0o755);
  }
  remove();
});

/**
 * How to get a file that cannot be read. Root reads files of mode 000, so as root a link to a write-only
 * sysctl stands in (the kernel refuses reads of /proc/sys files without a read bit, root included).
 */
function unreadableFile(folder: string, name: string): string | undefined {
  const path = join(folder, name);
  if (process.getuid?.() !== 0) {
    writeFileSync(path, snapshotYaml("locked"));
    chmodSync(path, 0o000);
    return path;
  }
  for (const target of ["/proc/sys/vm/compact_memory", "/proc/sys/vm/drop_caches", "/proc/sys/net/ipv4/route/flush"]) {
    try {
      readFileSync(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EACCES") {
        symlinkSync(target, path);
        return path;
      }
    }
  }
  return undefined;
}

describe("traps in scanned folders", () => {
  it("skips symlink loops, dangling links, pipes and unreadable files with a warning each, and scans the rest", async () => {
    const folder = join(dir, "traps");
    mkdirSync(join(folder, "sub"), { recursive: true });
    writeFileSync(join(folder, "good.yaml"), snapshotYaml("good"));
    symlinkSync("self.yaml", join(folder, "self.yaml"));
    symlinkSync("ping.yaml", join(folder, "pong.yaml"));
    symlinkSync("pong.yaml", join(folder, "ping.yaml"));
    symlinkSync("..", join(folder, "sub", "up"));
    symlinkSync(folder, join(folder, "sub", "again"));
    symlinkSync("nowhere.yaml", join(folder, "dangling.yaml"));
    execFileSync("mkfifo", [join(folder, "pipe.json")]);
    const locked = unreadableFile(folder, "locked.yaml");

    const started = performance.now();
    const result = await cli(...scanArgs([folder], out, "--fail-on", "none"));
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(strayStderr(result.stderr)).toEqual([]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);

    const { inputs, warnings, results } = report();
    // good.yaml once: the links back up the tree are not followed into a second or endless copy.
    expect(inputs).toEqual([expect.objectContaining({ path: join(folder, "good.yaml"), status: "ok" })]);
    expect(new Set(results.map((r) => r.snapshot))).toEqual(new Set(["good"]));
    const skipped = (name: string, reason: RegExp) => expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`^${join(folder, name)}: skipped, .*${reason.source}`)));
    skipped("self.yaml", /too many levels of symbolic links/);
    skipped("ping.yaml", /too many levels of symbolic links/);
    skipped("pong.yaml", /too many levels of symbolic links/);
    skipped("dangling.yaml", /no such file/);
    skipped("pipe.json", /pipe, socket or device/);
    if (locked) skipped("locked.yaml", /permission denied/);
    else console.warn("no unreadable file could be made here (root, and no write-only /proc/sys file): that case was not checked");
  });

  it("refuses the same traps when they are named on the command line", async () => {
    const folder = join(dir, "named");
    mkdirSync(folder);
    symlinkSync("self.yaml", join(folder, "self.yaml"));
    symlinkSync("nowhere.yaml", join(folder, "dangling.yaml"));
    const locked = unreadableFile(folder, "locked.yaml");
    const named = [join(folder, "self.yaml"), join(folder, "dangling.yaml"), ...(locked ? [locked] : [])];
    const result = await cli(...scanArgs(named, out));
    expectRefused(result, { file: join(folder, "self.yaml"), reason: /too many levels of symbolic links/ });
    expectRefused(result, { file: join(folder, "dangling.yaml"), reason: /no such file/ });
    if (locked) expectRefused(result, { file: locked, reason: /permission denied/ });
  });

  it("warns about an unreadable sub-folder instead of failing or hanging", async () => {
    if (process.getuid?.() === 0) {
      // Root lists folders of mode 000: there is no unreadable folder to make here.
      return;
    }
    const folder = join(dir, "closed");
    mkdirSync(join(folder, "inner"), { recursive: true });
    writeFileSync(join(folder, "good.yaml"), snapshotYaml("open"));
    writeFileSync(join(folder, "inner", "hidden.yaml"), snapshotYaml("hidden"));
    chmodSync(join(folder, "inner"), 0o000);
    const result = await cli(...scanArgs([folder], out, "--fail-on", "none"));
    expect(result.code).toBe(0);
    expect(report().inputs.map((i) => i.snapshot)).toEqual(["open"]);
  });
});

describe("one broken file among many", () => {
  it("scans and reports every other input, lists the broken one with its error, and exits 2 naming it", async () => {
    const folder = join(dir, "many");
    mkdirSync(folder);
    const names = Array.from({ length: 12 }, (_, i) => `tenant-${String(i).padStart(2, "0")}`);
    for (const name of names) writeFileSync(join(folder, `${name}.yaml`), snapshotYaml(name, "users:\n  - { id: u1, username: alice, roles: [admin], status: active, mfa: false }\n"));
    const broken = join(folder, "tenant-05.yaml");
    writeFileSync(broken, `${snapshotYaml("tenant-05")}users:\n  - { id: u1, username: alice, roles: [admin], status: on-holiday }\n`);
    const garbage = join(folder, "truncated.json");
    writeFileSync(garbage, '{"apiVersion": "chataudit/v1", "kind": "Snapshot", "metadata": ');

    const result = await cli(...scanArgs([folder], out, "--format", "json,console"));
    expectRefused(result, { file: broken, line: 5, reason: /status/ });
    expectRefused(result, { file: garbage, line: 1, reason: /invalid JSON/ });
    expect(result.stderr.trim().split("\n")).toHaveLength(2);
    expect(result.stdout).toContain("2 inputs could not be read");

    const { inputs, results, summary } = report();
    expect(summary).toMatchObject({ exitCode: 2, inputErrors: 2, snapshots: 11 });
    expect(inputs.filter((i) => i.status === "error")).toEqual([
      expect.objectContaining({ path: broken, error: expect.objectContaining({ line: 5, message: expect.stringMatching(/status/) }) }),
      expect.objectContaining({ path: garbage, error: expect.objectContaining({ line: 1, message: expect.stringMatching(/^invalid JSON/) }) }),
    ]);
    const scanned = new Set(results.map((r) => r.snapshot));
    expect(scanned).toEqual(new Set(names.filter((n) => n !== "tenant-05")));
    expect(inputs.filter((i) => i.status === "ok")).toHaveLength(11);
  });
});
