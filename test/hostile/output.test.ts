// The output folder: refused before anything is scanned when it cannot be written, and report files written whole
// or not at all: a reporter that throws or a rename that fails leaves the last good report and no temporary file.

import fsSync, { existsSync, mkdirSync, promises as fsPromises, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { FILE_FORMATS } from "../../src/reports/index.js";
import { cli } from "../cli/run.js";
import { AS_OF, HOSTILE_POLICIES, scratch, snapshotYaml, strayStderr } from "./support.js";

let dir: string;
let good: string;
let broken: string;
let remove: () => void;

beforeAll(() => {
  ({ dir, remove } = scratch("hostile-output"));
  good = join(dir, "good.yaml");
  writeFileSync(good, snapshotYaml("good", "users:\n  - { id: u1, username: alice, roles: [admin], status: active }\n"));
  broken = join(dir, "broken.yaml");
  writeFileSync(broken, "apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: [\n");
});
afterAll(() => remove());
afterEach(() => vi.restoreAllMocks());

const scan = (output: string, ...extra: string[]) =>
  cli("scan", good, broken, "--output", output, "--as-of", AS_OF, "--no-config", "--fail-on", "none", "--no-builtin", "--policies", HOSTILE_POLICIES, ...extra);

/** The only stderr line is about --output: the broken input was never read, so nothing was scanned. */
function expectStoppedBeforeScanning(result: { code: number; stderr: string }, reason: RegExp): void {
  expect(result.code).toBe(2);
  expect(strayStderr(result.stderr)).toEqual([]);
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^chataudit: error: --output /);
  expect(lines[0]).toMatch(reason);
  expect(result.stderr).not.toContain("broken.yaml");
}

describe("an output folder that cannot be used", () => {
  it("refuses a file given as --output", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "keep me");
    expectStoppedBeforeScanning(await scan(file), /is a file, expected a folder/);
    expect(readFileSync(file, "utf8")).toBe("keep me");
  });

  it("refuses a folder under a file", async () => {
    const file = join(dir, "another-file");
    writeFileSync(file, "keep me");
    expectStoppedBeforeScanning(await scan(join(file, "reports")), /is a file, expected a folder/);
  });

  it("refuses an empty --output", async () => {
    expectStoppedBeforeScanning(await scan(""), /no such file/);
  });

  it("refuses folders where nothing can be written, even as root", async () => {
    // /proc/self cannot hold files; sysfs says writable to root's access() check and still refuses every file.
    expectStoppedBeforeScanning(await scan("/proc/self"), /permission denied|eacces|erofs|enoent/i);
    if (existsSync("/sys/kernel")) expectStoppedBeforeScanning(await scan("/sys/kernel"), /permission denied|eacces|erofs|enoent/i);
  });
});

describe("reports written whole or not at all", () => {
  const FORMATS = "json,sarif,html,junit,markdown,csv";
  let out: string;
  let previous: Map<string, Buffer>;

  /** A complete earlier run: the reports a failed run must leave exactly as they are. */
  async function earlierRun(name: string): Promise<void> {
    out = join(dir, name);
    mkdirSync(out);
    const first = await scan(out, "--format", FORMATS);
    expect(first.code).toBe(2);
    previous = new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f))]));
    expect([...previous.keys()].sort()).toEqual(Object.values(FILE_FORMATS).map((f) => f.file).sort());
    // The next run sees a different snapshot, so any file it did write would differ from these.
    writeFileSync(good, snapshotYaml("good-changed", "users:\n  - { id: u2, username: bob, roles: [admin], status: active }\n"));
  }

  afterEach(() => writeFileSync(good, snapshotYaml("good", "users:\n  - { id: u1, username: alice, roles: [admin], status: active }\n")));

  /** stderr without the line about the broken input, which every run prints. */
  const problems = (stderr: string) => stderr.trim().split("\n").filter((l) => !l.includes("broken.yaml"));
  const unchanged = () => [...previous].filter(([f, bytes]) => readFileSync(join(out, f)).equals(bytes)).map(([f]) => f);
  const temporaries = () => readdirSync(out).filter((f) => !previous.has(f));

  it("keeps every previous report when a reporter throws while rendering", async () => {
    await earlierRun("render-fails");
    vi.spyOn(FILE_FORMATS.html!, "render").mockImplementation(() => {
      throw new Error("the HTML reporter broke");
    });
    const result = await scan(out, "--format", FORMATS);
    expect(result.code).toBe(2);
    expect(problems(result.stderr)).toEqual([expect.stringMatching(/^chataudit: (internal )?error: .*the HTML reporter broke$/)]);
    expect(unchanged().sort()).toEqual([...previous.keys()].sort());
    expect(temporaries()).toEqual([]);
  });

  it("keeps the previous report whole when the disk fills half-way through writing it", async () => {
    await earlierRun("disk-full");
    // The JSON report's temporary file takes 1,000 bytes, then the disk is full.
    const temporary = new Set<number>();
    const openSync = fsSync.openSync.bind(fsSync);
    vi.spyOn(fsSync, "openSync").mockImplementation((...args: Parameters<typeof fsSync.openSync>) => {
      const fd = openSync(...args);
      if (String(args[0]).endsWith(".tmp") && args[1] === "w") temporary.add(fd);
      return fd;
    });
    let written = 0;
    const writeSync = fsSync.writeSync.bind(fsSync) as (fd: number, buffer: Buffer, offset: number, length: number) => number;
    vi.spyOn(fsSync, "writeSync").mockImplementation(((fd: number, buffer: Buffer, offset: number, length: number) => {
      if (!temporary.has(fd)) return writeSync(fd, buffer, offset, length);
      if (written >= 1000) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      const done = writeSync(fd, buffer, offset, Math.min(length, 1000 - written));
      written += done;
      return done;
    }) as typeof fsSync.writeSync);
    const result = await scan(out, "--format", "json");
    expect(result.code).toBe(2);
    expect(problems(result.stderr)).toEqual([expect.stringMatching(/^chataudit: error: cannot write .*chataudit\.json: enospc$/)]);
    expect(unchanged()).toContain("chataudit.json");
    expect(temporaries()).toEqual([]);
  });

  it("keeps the previous report and leaves no temporary file when the final rename fails", async () => {
    await earlierRun("rename-fails");
    const rename = fsPromises.rename.bind(fsPromises);
    vi.spyOn(fsPromises, "rename").mockImplementation(async (from, to) => {
      if (String(to).endsWith("chataudit.sarif")) throw Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" });
      return rename(from, to);
    });
    const result = await scan(out, "--format", FORMATS);
    expect(result.code).toBe(2);
    expect(problems(result.stderr)).toEqual([expect.stringMatching(/^chataudit: error: cannot write .*chataudit\.sarif: eio$/)]);
    expect(unchanged()).toContain("chataudit.sarif");
    expect(temporaries()).toEqual([]);
    // What was written is whole: the new JSON report parses and describes the new snapshot.
    const json = readFileSync(join(out, "chataudit.json"), "utf8");
    if (!previous.get("chataudit.json")!.equals(Buffer.from(json))) expect(json).toContain("good-changed");
    expect(() => JSON.parse(json) as unknown).not.toThrow();
  });
});
