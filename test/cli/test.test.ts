// `chataudit test`: the bundled pack's examples all hold, a broken example is reported by file and index, exit codes.

import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registerTest } from "../../src/cli/test.js";
import { REPO } from "../helpers.js";
import { runCommand } from "./command.js";

const chatauditTest = (...args: string[]) => runCommand(registerTest, "test", ...args);

const backupPolicy = readFileSync(join(REPO, "policies/backup/CA-BKP-001-recent-successful-backup.yaml"), "utf8");

/** A folder with one custom policy (id CA-BKP-901) whose text is changed by `edit`. */
function customPolicyDir(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "chataudit-test-"));
  mkdirSync(join(dir, "backup"));
  writeFileSync(join(dir, "backup", "CA-BKP-901-custom.yaml"), edit(backupPolicy.replace("id: CA-BKP-001", "id: CA-BKP-901")));
  return dir;
}

describe("chataudit test", () => {
  it("passes on the bundled pack and says how many examples ran", async () => {
    const { code, stdout, stderr } = await chatauditTest();
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+ policies, (\d+) examples: \1 passed, 0 failed\n$/);
  });

  it("tests a user's own folder without the bundled pack", async () => {
    const { code, stdout } = await chatauditTest("--no-builtin", customPolicyDir((t) => t));
    expect(code).toBe(0);
    expect(stdout).toBe("1 policy, 3 examples: 3 passed, 0 failed\n");
  });

  it("reports an example that does not hold with the policy file, its index and the reason, and exits 1", async () => {
    // The first pass example's backup becomes three days old: it now fails.
    const dir = customPolicyDir((t) => t.replace('id: nightly-0531, completedAt: "2026-05-31T02:10:00Z", status: success, type: full', 'id: nightly-0531, completedAt: "2026-05-29T02:10:00Z", status: success, type: full'));
    const { code, stdout } = await chatauditTest("--no-builtin", dir);
    expect(code).toBe(1);
    expect(stdout).toContain(
      "CA-BKP-901-custom.yaml: examples.pass[0]: expected pass, got fail (The last successful backup finished 70 h ago (2026-05-29T02:10:00Z); the limit is 26 h)",
    );
    expect(stdout).toMatch(/1 policy, 3 examples: 2 passed, 1 failed\n$/);
  });

  it("says why a failing example passed, and that a not-evaluated one lacked evidence", async () => {
    const dir = customPolicyDir((t) =>
      t.replace(/  fail:\n[\s\S]*$/, "  fail:\n    - backups: { runs: [{ id: r1, completedAt: \"2026-05-31T20:00:00Z\", status: success }] }\n    - software: { version: \"1.0\" }\n"),
    );
    const { code, stdout } = await chatauditTest("--no-builtin", dir);
    expect(code).toBe(1);
    expect(stdout).toContain("examples.fail[0]: expected fail, got pass (1 evaluated, none failed)");
    expect(stdout).toContain("examples.fail[1]: expected fail, got not-evaluated (missing evidence: backups.runs)");
  });

  it("flags an example that is not a valid snapshot", async () => {
    const dir = customPolicyDir((t) => t.replace("status: partial", "status: sometimes"));
    const { code, stdout } = await chatauditTest("--no-builtin", dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/examples\.fail\[1\]: expected fail, got invalid \(not a valid snapshot: .*status/);
  });

  it("exits 2 naming the file and line of an invalid policy, and runs nothing", async () => {
    const dir = customPolicyDir((t) => t.replace("severity: high", "severity: urgent"));
    const { code, stdout, stderr } = await chatauditTest("--no-builtin", dir);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^chataudit: error: .*CA-BKP-901-custom\.yaml:6:\d+: `severity` must be one of/m);
  });

  it("exits 2 when there is nothing to test", async () => {
    const { code, stderr } = await chatauditTest("--no-builtin");
    expect(code).toBe(2);
    expect(stderr).toContain("nothing to test");
  });

  it("lists every policy with --verbose", async () => {
    const { stdout } = await chatauditTest("--no-builtin", "--verbose", customPolicyDir((t) => t));
    expect(stdout).toMatch(/^ok CA-BKP-901 .*CA-BKP-901-custom\.yaml \(3 examples\)$/m);
  });
});
