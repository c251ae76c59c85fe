// `chataudit policies list|show`: the catalogue as a table and as JSON, one policy in full, unknown ids.

import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registerPolicies, type PolicyListEntry } from "../../src/cli/policies.js";
import { REPO } from "../helpers.js";
import { runCommand } from "./command.js";

const chataudit = (...args: string[]) => runCommand(registerPolicies, ...args);

describe("chataudit policies list", () => {
  it("prints a table of id, severity, category and title, sorted by id", async () => {
    const { code, stdout } = await chataudit("policies", "list");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+SEVERITY\s+CATEGORY\s+TITLE$/);
    expect(stdout).toMatch(/^CA-BKP-001\s+high\s+backup\s+A successful backup finished recently$/m);
    const ids = lines.slice(1, -1).map((l) => l.split(/\s+/)[0]!);
    expect(ids).toEqual([...ids].sort());
    expect(lines.at(-1)).toBe(`${ids.length} policies`);
    expect(ids.length).toBeGreaterThanOrEqual(40);
  });

  it("gives machines JSON with frameworks, remediation, params and references", async () => {
    const { code, stdout } = await chataudit("policies", "list", "--json");
    expect(code).toBe(0);
    const entries = JSON.parse(stdout) as PolicyListEntry[];
    const backup = entries.find((e) => e.id === "CA-BKP-001")!;
    expect(Object.keys(backup)).toEqual(["id", "title", "category", "severity", "frameworks", "remediation", "params", "references"]);
    expect(backup.params).toEqual({ maxAgeHours: 26 });
    expect(backup.frameworks["iso27001-2022"]).toContain("A.8.13");
    expect(entries.every((e) => e.remediation.length > 20 && e.references.length > 0)).toBe(true);
  });

  it("adds a user's folder to the catalogue, or shows it alone with --no-builtin", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chataudit-policies-"));
    mkdirSync(join(dir, "backup"));
    const text = readFileSync(join(REPO, "policies/backup/CA-BKP-001-recent-successful-backup.yaml"), "utf8").replace("id: CA-BKP-001", "id: ORG-BKP-001");
    writeFileSync(join(dir, "backup", "ORG-BKP-001-custom.yaml"), text);
    const both = await chataudit("policies", "list", "--policies", dir);
    expect(both.stdout).toMatch(/^ORG-BKP-001\s/m);
    expect(both.stdout).toMatch(/^CA-BKP-001\s/m);
    const alone = await chataudit("policies", "list", "--no-builtin", "--policies", dir, "--json");
    expect((JSON.parse(alone.stdout) as PolicyListEntry[]).map((e) => e.id)).toEqual(["ORG-BKP-001"]);
  });

  it("exits 2 with the file and line when a policy folder holds an invalid policy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chataudit-policies-"));
    writeFileSync(join(dir, "broken.yaml"), "apiVersion: chataudit/v1\nkind: Policy\nid: nope\n");
    const { code, stdout, stderr } = await chataudit("policies", "list", "--policies", dir);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^chataudit: error: .*broken\.yaml:\d+:\d+: /m);
  });
});

describe("chataudit policies show", () => {
  it("prints one policy with its rationale, remediation, parameters, frameworks and references", async () => {
    const { code, stdout } = await chataudit("policies", "show", "CA-AUD-004");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^CA-AUD-004  Open vulnerabilities are fixed within their severity's deadline$/m);
    expect(stdout).toContain("Category: audit    Severity: high");
    expect(stdout).toContain("Source: policies/audit/CA-AUD-004-vulnerabilities-fixed-within-deadline.yaml");
    expect(stdout).toMatch(/^  criticalDays = 15$/m);
    expect(stdout).toMatch(/^  NIST SP 800-53 Rev\. 5: SI-2, SI-2\(3\), RA-5$/m);
    expect(stdout).toContain("Evaluates: each item of audit.vulnerabilities");
    expect(stdout).toMatch(/^  https:\/\/www\.cisa\.gov\/.*bod-19-02/m);
    for (const heading of ["Rationale:", "Remediation:", "Parameters:", "Frameworks:", "References:"]) expect(stdout).toContain(heading);
  });

  it("accepts the id in any case and prints JSON with --json", async () => {
    const { code, stdout } = await chataudit("policies", "show", "ca-enc-001", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ id: "CA-ENC-001", category: "encryption", requires: ["encryption.atRest.database"] });
  });

  it("exits 2 for an unknown id and names the policies of that area", async () => {
    const { code, stdout, stderr } = await chataudit("policies", "show", "CA-BKP-999");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/no policy CA-BKP-999 \(policies of that area: CA-BKP-001, CA-BKP-002/);
  });
});
