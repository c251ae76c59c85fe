import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyConfig, findConfig, InvalidDocument, loadConfig } from "../../src/config/config.js";
import { loadWaivers } from "../../src/gate/waivers.js";
import { FIXTURES, REPO } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-config-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("reading .chataudit.yaml", () => {
  it("maps every key to its scan flag, resolving paths against the config's folder", async () => {
    const path = file("full.yaml", `paths: [snapshots/, "native/*.json"]
platform: mattermost
policy-dirs: [org-policies]
builtin: false
format: [console, json, sarif]
output: out
fail-on: medium
as-of: 2026-06-01
waivers: waivers.yaml
baseline: /abs/baseline.json
write-baseline: next-baseline.json
warn-expiring: 30
max-file-size: 50MB
quiet: true
params:
  CA-BKP-001: { maxAgeHours: 48 }
policies:
  enable: [access, CA-BKP-001]
  disable: training
`);
    const config = await loadConfig(path);
    expect(config.paths).toEqual([join(dir, "snapshots"), join(dir, "native/*.json")]);
    expect(config.params).toEqual({ "CA-BKP-001": { maxAgeHours: 48 } });
    expect(config.flags).toEqual({
      platform: "mattermost",
      policies: [join(dir, "org-policies")],
      builtin: false,
      format: "console,json,sarif",
      output: join(dir, "out"),
      failOn: "medium",
      asOf: "2026-06-01",
      waivers: join(dir, "waivers.yaml"),
      baseline: "/abs/baseline.json",
      writeBaseline: join(dir, "next-baseline.json"),
      warnExpiring: "30",
      maxFileSize: "50MB",
      quiet: true,
      only: ["access", "CA-BKP-001"],
      skip: ["training"],
    });
  });

  it("takes a params file instead of inline params", async () => {
    const config = await loadConfig(file("params-file.yaml", "params-file: org/params.yaml\n"));
    expect(config.flags.params).toBe(join(dir, "org/params.yaml"));
    expect(config.params).toBeUndefined();
  });

  it("an empty config changes nothing", async () => {
    expect(await loadConfig(file("empty.yaml", "# nothing yet\n"))).toEqual({ file: join(dir, "empty.yaml"), flags: {} });
  });

  it("refuses unknown keys, bad values and bad params with file:line:column", async () => {
    const path = file("bad.yaml", `fail_on: high
fail-on: severe
warn-expiring: -1
policies:
  enable: [access]
  only: [x]
params:
  CA-BKP-001: 48
`);
    const error = (await loadConfig(path).catch((e: unknown) => e)) as InvalidDocument;
    expect(error).toBeInstanceOf(InvalidDocument);
    expect(error.problems.map((p) => p.format())).toEqual([
      `${path}:1:1: the document has unknown field \`fail_on\``,
      `${path}:2:1: \`fail-on\` must be one of: "info", "low", "medium", "high", "critical", "none"`,
      `${path}:3:1: \`warn-expiring\` must be >= 0`,
      `${path}:6:3: \`policies\` has unknown field \`only\``,
      `${path}:8:3: \`params.CA-BKP-001\` must be object`,
    ]);
  });

  it("the example config in fixtures/gate is valid", async () => {
    const config = await loadConfig(join(FIXTURES, "gate", "chataudit.yaml"));
    expect(config.flags.failOn).toBeDefined();
  });
});

describe("finding the config", () => {
  it("finds .chataudit.yaml, then .chataudit.yml, in the folder", async () => {
    const d = mkdtempSync(join(tmpdir(), "chataudit-find-"));
    expect(await findConfig(d)).toBeUndefined();
    writeFileSync(join(d, ".chataudit.yml"), "");
    expect(await findConfig(d)).toBe(join(d, ".chataudit.yml"));
    writeFileSync(join(d, ".chataudit.yaml"), "");
    expect(await findConfig(d)).toBe(join(d, ".chataudit.yaml"));
    mkdirSync(join(d, "sub", ".chataudit.yaml"), { recursive: true });
    expect(await findConfig(join(d, "sub"))).toBeUndefined();
  });
});

describe("config values against command-line flags", () => {
  const config = { file: "c.yaml", flags: { failOn: "medium", only: ["access"], output: "/cfg/out" } };
  it("a flag given on the command line wins, a flag left at its default takes the config's value", () => {
    const flags = { failOn: "critical", only: [] as string[], output: "reports", format: "console" };
    const merged = applyConfig(flags, config, (flag) => flag === "failOn");
    expect(merged).toEqual({ failOn: "critical", only: ["access"], output: "/cfg/out", format: "console" });
  });

  it("a list given on the command line replaces the config's list", () => {
    expect(applyConfig({ only: ["backup"] }, config, (flag) => flag === "only").only).toEqual(["backup"]);
  });

  it("no config, no change", () => {
    const flags = { failOn: "high" };
    expect(applyConfig(flags, undefined, () => false)).toBe(flags);
  });
});

describe("docs/ci.md", () => {
  const blocks = [...readFileSync(join(REPO, "docs", "ci.md"), "utf8").matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  it("shows a configuration file that chataudit accepts", async () => {
    const config = await loadConfig(file("doc-config.yaml", blocks.find((b) => b.includes("policy-dirs:"))!));
    expect(config.flags).toMatchObject({ failOn: "high", only: ["access", "backup", "CA-UPD-001"], skip: ["training"] });
  });
  it("shows a waivers file that chataudit accepts", async () => {
    expect(await loadWaivers(file("doc-waivers.yaml", blocks.find((b) => b.includes("kind: Waivers"))!))).toHaveLength(2);
  });
});
