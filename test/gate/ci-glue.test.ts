// The CI glue files at the repository root: the GitHub composite action and the pre-commit hook.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO } from "../helpers.js";

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

const action = parse(readFileSync(join(REPO, "action.yml"), "utf8")) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
};

describe("action.yml", () => {
  const steps = action.runs.steps;
  const scan = steps.find((s) => s.id === "scan")!;
  const upload = steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))!;

  it("is a composite action that sets up Node, installs chataudit from the action's folder, scans, then uploads SARIF", () => {
    expect(action.runs.using).toBe("composite");
    expect(steps[0]!.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(steps.some((s) => s.run?.includes("npm ci") && (s as { "working-directory"?: string })["working-directory"] === "${{ github.action_path }}")).toBe(true);
    expect(steps.indexOf(scan)).toBeLessThan(steps.indexOf(upload));
  });

  it("uploads the SARIF report even when the scan failed, and only when one was written", () => {
    expect(upload.if).toMatch(/^always\(\) && /);
    expect(upload.if).toContain("steps.scan.outputs.sarif != ''");
    expect(upload.with!.sarif_file).toBe("${{ steps.scan.outputs.sarif }}");
  });

  it("never splices an input into the shell script: inputs arrive as environment variables", () => {
    for (const step of steps) expect(step.run ?? "").not.toContain("${{");
    for (const name of ["paths", "fail-on", "format", "output", "waivers", "baseline", "config", "args"]) {
      expect(Object.values(scan.env!)).toContain(`\${{ inputs.${name} }}`);
    }
  });

  it("always writes SARIF, and reports the exit code as an output", () => {
    expect(scan.run).toContain('*,sarif,*) ;; *) format="${format},sarif"');
    expect(scan.run).toContain('echo "exit-code=${code}" >> "${GITHUB_OUTPUT}"');
    expect(scan.run).toMatch(/exit "\$\{code\}"\s*$/);
    expect(action.outputs["exit-code"]!.value).toBe("${{ steps.scan.outputs.exit-code }}");
  });
});

describe(".pre-commit-hooks.yaml", () => {
  const hooks = parse(readFileSync(join(REPO, ".pre-commit-hooks.yaml"), "utf8")) as { id: string; entry: string; language: string; files: string }[];
  const hook = hooks.find((h) => h.id === "chataudit")!;

  it("defines a chataudit hook that runs `chataudit scan` with node", () => {
    expect(hook).toMatchObject({ entry: "chataudit scan", language: "node" });
  });

  it("runs on snapshots and the platforms' usual config files, not on any YAML or JSON", () => {
    const files = new RegExp(hook.files);
    for (const f of ["snapshots/prod.yaml", "ops/snapshot/staging.json", "config/config.json", "synapse/homeserver.yaml", "ejabberd.yml", "prosody.cfg.lua", "prod.snapshot.yaml"]) {
      expect(files.test(f), f).toBe(true);
    }
    for (const f of [".chataudit.yaml", "waivers.yaml", "package.json", ".github/workflows/ci.yml", "docker-compose.yml"]) {
      expect(files.test(f), f).toBe(false);
    }
  });
});
