// Hostile and broken input files through the real `scan` command: each either loads correctly or is refused
// with exit 2 and one line naming the file (and the line where there is one), quickly, without a stack trace.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli } from "../cli/run.js";
import { expectRefused, policyYaml, scanArgs, scratch, snapshotObject, snapshotYaml, strayStderr } from "./support.js";

const DEEP = 200_000;
/** Generous for a loaded two-core machine; a hang or an exponential blow-up would take far longer. */
const BOUND_MS = 30_000;

let dir: string;
let out: string;
let remove: () => void;
let readsSettings: string;

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function scanTimed(...args: string[]) {
  const started = performance.now();
  const result = await cli(...args);
  return { ...result, ms: performance.now() - started };
}

interface ReportInput {
  path: string;
  status: string;
  error?: { message: string; line?: number; column?: number };
}

beforeAll(() => {
  ({ dir, remove } = scratch("hostile-inputs"));
  out = join(dir, "out");
  readsSettings = file(
    "reads-settings.yaml",
    policyYaml("CA-HST-001", `assert: { "!": { var: settings } }\nmessage: "settings are set: {{settings}}"`),
  );
});
afterAll(() => remove());

describe("resource exhaustion", () => {
  it("refuses a YAML alias bomb (billion laughs) at once", async () => {
    const levels = "abcdefghij".split("");
    const bomb = levels
      .map((name, i) => (i === 0 ? `  ${name}: &${name} [lol, lol, lol, lol, lol, lol, lol, lol, lol]` : `  ${name}: &${name} [${Array(9).fill(`*${levels[i - 1]}`).join(", ")}]`))
      .join("\n");
    const path = file("bomb.yaml", snapshotYaml("bomb", `settings:\n${bomb}\n`));
    const result = await scanTimed(...scanArgs([path], out));
    expectRefused(result, { file: path, reason: /alias/i });
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it(`refuses YAML flow collections nested ${DEEP.toLocaleString("en")} levels deep, at their line`, async () => {
    const path = file("deep-flow.yaml", snapshotYaml("deep", `settings: { x: ${"[".repeat(DEEP)}${"]".repeat(DEEP)} }\n`));
    const result = await scanTimed(...scanArgs([path], out));
    expectRefused(result, { file: path, line: 4, reason: /nested too deeply/ });
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it(`refuses a JSON list nested ${DEEP.toLocaleString("en")} levels deep, as a snapshot or a native config`, async () => {
    const path = file("deep-list.json", `${"[".repeat(DEEP)}${"]".repeat(DEEP)}`);
    expectRefused(await scanTimed(...scanArgs([path], out)), { file: path, line: 1, column: 1, reason: /got a list/ });
    expectRefused(await scanTimed(...scanArgs([path], out, "--platform", "snapshot")), { file: path, line: 1, column: 1, reason: /got a list/ });
    // Importers read JSON with the YAML parser, which gives up some hundred levels down: a few thousand show it.
    const shallower = file("deep-list-5000.json", `${"[".repeat(5000)}${"]".repeat(5000)}`);
    for (const platform of ["mattermost", "rocketchat", "prosody"]) {
      const forced = await scanTimed(...scanArgs([shallower], out, "--platform", platform));
      expectRefused(forced, { file: shallower, reason: /nested too deeply|expected/ });
      expect(forced.ms).toBeLessThan(BOUND_MS);
    }
  });

  it(`refuses a JSON snapshot whose settings nest {"a":{"a":...}} ${DEEP.toLocaleString("en")} levels deep, before anything recurses into them`, async () => {
    const text = JSON.stringify(snapshotObject("deep", { settings: "HOLE" })).replace('"HOLE"', `${'{"a":'.repeat(DEEP)}1${"}".repeat(DEEP)}`);
    const path = file("deep-settings.json", text);
    // A policy that reads the whole subtree puts it in the evidence every report serialises recursively.
    const result = await scanTimed(...scanArgs([path], out, "--no-builtin", "--policies", readsSettings, "--format", "json,sarif,html,junit,markdown,csv,console,github"));
    expectRefused(result, { file: path, line: 1, column: 1, reason: /nested more than 100 levels deep/ });
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it("refuses a YAML snapshot that contains itself through an alias", async () => {
    const path = file("self.yaml", snapshotYaml("self", "settings: &self { again: *self }\n"));
    const result = await cli(...scanArgs([path], out, "--no-builtin", "--policies", readsSettings, "--format", "json,html,sarif"));
    expectRefused(result, { file: path, line: 1, column: 1, reason: /nested more than 100 levels deep/ });
  });

  it("still scans a snapshot whose settings nest as deep as real configs do", async () => {
    const text = JSON.stringify(snapshotObject("shallow", { settings: "HOLE" })).replace('"HOLE"', `${'{"a":'.repeat(90)}1${"}".repeat(90)}`);
    const path = file("shallow-settings.json", text);
    const result = await cli(...scanArgs([path], out, "--policies", readsSettings, "--no-builtin"));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
  });

  it("imports a config whose values are built to make credential masking backtrack, in linear time", async () => {
    // "a.a.a.…@": every letter after a dot could start a URL scheme; a pattern that rescans the rest from each is quadratic.
    const value = `${"a.".repeat(200_000)}@`;
    const path = file("backtrack.config.json", JSON.stringify({ ServiceSettings: { SiteURL: "https://chat.example.org", ListenAddress: ":8065" }, SqlSettings: { DriverName: "postgres" }, TeamSettings: { SiteName: value } }));
    const result = await scanTimed(...scanArgs([path], out));
    expect(result.stderr).toBe("");
    expect(result.code).not.toBe(2);
    expect(result.ms).toBeLessThan(10_000);
  });

  it("refuses a file over --max-file-size without reading it, and a size it cannot parse", async () => {
    const path = file("large.yaml", snapshotYaml("large", `settings: { padding: "${"x".repeat(4096)}" }\n`));
    const result = await cli(...scanArgs([path], out, "--max-file-size", "1KB"));
    expectRefused(result, { file: path, reason: /larger than the limit of 1\.0 KiB/ });
    const ok = await cli(...scanArgs([path], out, "--max-file-size", "1MB"));
    expect(ok.code).not.toBe(2);
    const bad = await cli(...scanArgs([path], out, "--max-file-size", "lots"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^chataudit: error: --max-file-size must be a size like 50MB/);
  });

  it("refuses a pipe or a device named as an input instead of waiting on it forever", async () => {
    const fifo = join(dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    const result = await scanTimed(...scanArgs([fifo, "/dev/zero"], out));
    expectRefused(result, { file: fifo, reason: /pipe, socket or device/ });
    expectRefused(result, { file: "/dev/zero", reason: /pipe, socket or device/ });
    expect(result.ms).toBeLessThan(BOUND_MS);
  });
});

describe("files that are not text, or nothing", () => {
  it("refuses invalid UTF-8 at the line and column of the first bad byte", async () => {
    const path = file("latin1.yaml", Buffer.concat([Buffer.from(snapshotYaml("x", "settings:\n  owner: Ren")), Buffer.from([0xe9]), Buffer.from("\n")]));
    expectRefused(await cli(...scanArgs([path], out)), { file: path, line: 5, column: 13, reason: /invalid UTF-8/ });
  });

  it("points at the first bad byte in characters, after multi-byte ones on the same line", async () => {
    const path = file("accents.yaml", Buffer.concat([Buffer.from(snapshotYaml("x", "settings:\n  owner: Zoë 日本 ")), Buffer.from([0xff]), Buffer.from("\n")]));
    expectRefused(await cli(...scanArgs([path], out)), { file: path, line: 5, column: 17, reason: /invalid UTF-8/ });
  });

  it("finds a bad byte at the end of a large file without decoding it over and over", async () => {
    const body = `settings:\n${"  padding: 0123456789abcdef0123456789abcdef\n".repeat(200_000)}`;
    const path = file("late-bad-byte.yaml", Buffer.concat([Buffer.from(snapshotYaml("x", body)), Buffer.from([0xc3, 0x28])]));
    const result = await scanTimed(...scanArgs([path], out));
    expectRefused(result, { file: path, line: 200_005, column: 1, reason: /invalid UTF-8/ });
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it("refuses binary garbage", async () => {
    // A fixed pseudo-random sequence: the same bytes on every run.
    let seed = 42;
    const bytes = Buffer.alloc(4096, 0).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    const path = file("garbage.json", Buffer.from(bytes));
    expectRefused(await cli(...scanArgs([path], out)), { file: path, reason: /invalid UTF-8/ });
  });

  it.each([
    ["empty.yaml", ""],
    ["blank.yaml", "  \n\n\t\n"],
  ])("refuses an empty file (%s)", async (name, content) => {
    const path = file(name, content);
    expectRefused(await cli(...scanArgs([path], out)), { file: path, line: 1, column: 1, reason: /empty file/ });
  });

  it.each([
    ["list.yaml", "- apiVersion: chataudit/v1\n- kind: Snapshot\n", "a list"],
    ["number.json", "42", "a number"],
    ["string.yaml", '"kind: Snapshot"', "a string"],
    ["null.yaml", "~", "null"],
  ])("refuses a snapshot that is not a mapping (%s), with or without --platform snapshot", async (name, content, got) => {
    const path = file(name, content);
    expectRefused(await cli(...scanArgs([path], out)), { file: path, line: 1, column: 1, reason: new RegExp(`got ${got}$`) });
    expectRefused(await cli(...scanArgs([path], out, "--platform", "snapshot")), { file: path, line: 1, column: 1, reason: new RegExp(`got ${got}$`) });
  });

  it("refuses NUL bytes where a value was expected, and never prints them raw", async () => {
    const yaml = file("nul.yaml", snapshotYaml("x", "").replace("kind: Snapshot", "kind: Snap\u0000shot"));
    const json = file("nul.json", JSON.stringify(snapshotObject("x")).replace('"Snapshot"', '"Snap\u0000shot"'));
    for (const path of [yaml, json]) {
      const result = await cli(...scanArgs([path], out));
      expectRefused(result, { file: path });
      expect(result.stderr).not.toContain("\u0000");
    }
  });
});

describe("keys, byte-order marks and line ends", () => {
  it("reads mapping keys that are lists without a Node warning quoting them on stderr", async () => {
    // The YAML library warns through process.emitWarning, which would print "(node:…) Warning: … [ s3cret ]".
    const warnings = vi.spyOn(process, "emitWarning");
    try {
      const snapshot = file("list-key.yaml", snapshotYaml("keys", "settings:\n  ? [CANARY-key]\n  : 1\n"));
      const config = file("list-key.homeserver.yaml", "server_name: example.org\nlisteners: []\n? [CANARY-key]\n: 1\n");
      const result = await cli(...scanArgs([snapshot, config], out));
      expect(strayStderr(result.stderr)).toEqual([]);
      expect(result.stderr).not.toContain("CANARY");
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });

  it("refuses duplicate keys in YAML at the second one", async () => {
    const path = file("duplicate.yaml", `${snapshotYaml("dup", "settings: { a: 1 }\n")}settings: { a: 2 }\n`);
    expectRefused(await cli(...scanArgs([path], out)), { file: path, line: 5, column: 1, reason: /unique/ });
  });

  const users = [
    { id: "u1", username: "alice", roles: ["user"], status: "active" },
    { id: "u2", username: "bob", roles: ["admin"], status: "active" },
  ];
  const adminPolicy = () =>
    file("no-admins.yaml", policyYaml("CA-HST-002", `select: users\nassert: { "!": { in: [admin, { var: roles }] } }\nmessage: "{{username}} is an admin"`));

  /** The finding's location for bob, who sits on `line` of every variant of the snapshot. */
  async function bobLocation(path: string): Promise<{ line: number; column: number }> {
    const result = await cli(...scanArgs([path], out, "--policies", adminPolicy(), "--no-builtin"));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    const report = JSON.parse(readFileSync(join(out, "chataudit.json"), "utf8")) as { findings: { subject: string; location: { path: string; line: number; column: number } }[] };
    expect(report.findings.map((f) => f.subject)).toEqual(["users/u2"]);
    const { path: shown, ...at } = report.findings[0]!.location;
    expect(shown).toBe(path);
    return at;
  }

  const yamlText = snapshotYaml("lines", `users:\n${users.map((u) => `  - ${JSON.stringify(u)}`).join("\n")}\n`);
  const jsonText = JSON.stringify(snapshotObject("lines", { users }), null, 2);
  // The assertion reads `roles`: bob's `roles` key sits on line 6, column 33 of the YAML and line 21, column 7 of the JSON.
  const YAML_BOB = { line: 6, column: 33 };
  const JSON_BOB = { line: 21, column: 7 };

  it("locates findings the same in YAML with a BOM, with CRLF line ends, and with both", async () => {
    expect(await bobLocation(file("plain.yaml", yamlText))).toEqual(YAML_BOB);
    expect(await bobLocation(file("bom.yaml", `\ufeff${yamlText}`))).toEqual(YAML_BOB);
    expect(await bobLocation(file("crlf.yaml", yamlText.replace(/\n/g, "\r\n")))).toEqual(YAML_BOB);
    expect(await bobLocation(file("bom-crlf.yaml", `\ufeff${yamlText.replace(/\n/g, "\r\n")}`))).toEqual(YAML_BOB);
  });

  it("locates findings the same in JSON with a BOM, with CRLF line ends, and with both", async () => {
    expect(await bobLocation(file("plain.json", jsonText))).toEqual(JSON_BOB);
    expect(await bobLocation(file("bom.json", `\ufeff${jsonText}`))).toEqual(JSON_BOB);
    expect(await bobLocation(file("crlf.json", jsonText.replace(/\n/g, "\r\n")))).toEqual(JSON_BOB);
    expect(await bobLocation(file("bom-crlf.json", `\ufeff${jsonText.replace(/\n/g, "\r\n")}`))).toEqual(JSON_BOB);
  });

  it("names the right line and column for a schema error under CRLF line ends and a BOM", async () => {
    const broken = `\ufeff${snapshotYaml("crlf", "users:\n  - id: u1\n    status: gone\n")}`.replace(/\n/g, "\r\n");
    const path = file("crlf-invalid.yaml", broken);
    expectRefused(await cli(...scanArgs([path], out)), { file: path, line: 6, column: 5, reason: /status/ });
    const json = `\ufeff${JSON.stringify(snapshotObject("crlf", { users: [{ id: "u1", status: "gone" }] }), null, 2)}`.replace(/\n/g, "\r\n");
    const jsonPath = file("crlf-invalid.json", json);
    expectRefused(await cli(...scanArgs([jsonPath], out)), { file: jsonPath, line: 12, column: 7, reason: /status/ });
  });

  it("reports what the inputs list says about each refused file", async () => {
    const path = file("reported.yaml", "apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: [\n");
    const result = await cli(...scanArgs([path], out));
    expectRefused(result, { file: path, line: 4 });
    const report = JSON.parse(readFileSync(join(out, "chataudit.json"), "utf8")) as { inputs: ReportInput[] };
    expect(report.inputs).toEqual([expect.objectContaining({ path, status: "error", error: expect.objectContaining({ line: 4 }) })]);
  });
});
