// Missing evidence in the bundled pack: a snapshot that lacks what a policy needs gives not-evaluated, never a silent pass.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateSnapshot } from "../../src/engine/evaluate.js";
import type { Result } from "../../src/engine/types.js";
import { compilePolicy } from "../../src/policy/compile.js";
import { exampleSnapshot } from "../../src/policy/examples.js";
import { readPath, varPaths } from "../../src/policy/jsonlogic.js";
import { loadPolicies } from "../../src/policy/load.js";
import { EXAMPLES_AS_OF, type LoadedPolicy } from "../../src/policy/types.js";
import { inMemorySnapshot } from "../../src/snapshot/provenance.js";
import { loadInputs } from "../../src/snapshot/load.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { AS_OF, REPO, snapshotOf } from "../helpers.js";

let policies: LoadedPolicy[] = [];
const byId = (id: string): LoadedPolicy => {
  const found = policies.find((p) => p.policy.id === id);
  if (!found) throw new Error(`no bundled policy ${id}`);
  return found;
};

beforeAll(async () => {
  const load = await loadPolicies({ builtin: true });
  expect(load.errors.map((e) => e.format())).toEqual([]);
  policies = load.policies;
});

/** One bundled policy against one snapshot fragment, at the default clock. */
function judge(id: string, fragment: Partial<Snapshot>): Result {
  return evaluateSnapshot([compilePolicy(byId(id))], snapshotOf(fragment), { asOf: AS_OF }).results[0]!;
}

/** The item paths a policy's evidence reads: its paths, and what its evidence rules read of the item. */
function evidencePathsOf(policy: LoadedPolicy["policy"]): string[] {
  return (policy.evidence ?? []).flatMap((e) =>
    typeof e === "string" ? [e] : varPaths(e.rule).filter((p) => !/^(params|computed|snapshot)\./.test(p)),
  );
}

/** A deep copy of an example fragment with the evidence paths deleted from every selected item. */
function withoutEvidence(fragment: Record<string, unknown>, select: string, evidence: string[]): Record<string, unknown> {
  const copy = structuredClone(fragment);
  const items = readPath(copy, select.split("."), undefined);
  for (const item of Array.isArray(items) ? items : []) {
    for (const path of evidence) {
      const segments = path.split(".");
      const parent = readPath(item, segments.slice(0, -1), undefined);
      if (parent && typeof parent === "object") delete (parent as Record<string, unknown>)[segments.at(-1)!];
    }
  }
  return copy;
}

describe("every per-item policy of the pack", () => {
  it("names the evidence each item must carry", () => {
    const perItem = policies.filter(({ policy }) => policy.select);
    expect(perItem.length).toBeGreaterThanOrEqual(16);
    const silent = perItem.filter(({ policy }) => !policy.evidence?.length).map(({ path }) => path);
    expect(silent).toEqual([]);
  });

  it("only names evidence its assertion or computed values actually read", () => {
    // Per-item policies; a snapshot-level one may ask what the snapshot is (CA-ACC-003: metadata.usersListed).
    const unread = policies.filter(({ policy }) => policy.select).flatMap(({ policy, path }) => {
      const read = new Set([policy.assert, ...Object.values(policy.compute ?? {})].flatMap((rule) => varPaths(rule)));
      return evidencePathsOf(policy).filter((p) => !read.has(p)).map((p) => `${path}: evidence ${p} is never read`);
    });
    expect(unread).toEqual([]);
  });

  // The proof that no presence check hides in `where`: the items a failing example judged are still
  // applicable without their evidence, so they are counted as not judged instead of vanishing.
  it("is not-evaluated, never a pass, when its failing examples lose their evidence", () => {
    const wrong: string[] = [];
    const withEvidence = policies.filter(({ policy }) => policy.select && policy.evidence?.length);
    expect(withEvidence.length).toBeGreaterThanOrEqual(14);
    for (const loaded of withEvidence) {
      const { policy } = loaded;
      const compiled = compilePolicy(loaded);
      policy.examples.fail.forEach((fragment, index) => {
        const stripped = withoutEvidence(fragment, policy.select!, evidencePathsOf(policy));
        const snapshot = inMemorySnapshot(exampleSnapshot(policy, stripped, "fail", index), loaded.path);
        const asOf = Date.parse(policy.examples.asOf ?? EXAMPLES_AS_OF);
        const result = evaluateSnapshot([compiled], snapshot, { asOf }).results[0]!;
        if (result.status !== "not-evaluated" || !result.reason?.startsWith(`missing evidence: ${policy.select}[]`)) {
          wrong.push(`${loaded.path}: examples.fail[${index}] without ${evidencePathsOf(policy).join(", ")}: ${result.status} ${result.reason ?? ""}`.trim());
        }
      });
    }
    expect(wrong).toEqual([]);
  });
});

describe("users whose records lack the evidence", () => {
  const admins = [
    { id: "u1", username: "alice", roles: ["system_admin"], status: "active" },
    { id: "u2", username: "bob", roles: ["system_admin"], status: "active" },
  ];

  it("CA-ACC-001 is not-evaluated when no administrator's MFA status is recorded", () => {
    expect(judge("CA-ACC-001", { users: admins } as never)).toMatchObject({
      status: "not-evaluated", evaluated: 0, failed: 0,
      reason: "missing evidence: users[].mfa (absent in all 2 applicable items)",
    });
  });

  it("CA-ACC-001 judges the administrators whose MFA is recorded and counts the others", () => {
    const users = [{ ...admins[0], mfa: false }, admins[1], { id: "u3", username: "carol", roles: ["system_user"], status: "active" }];
    expect(judge("CA-ACC-001", { users } as never)).toMatchObject({
      status: "fail", evaluated: 1, failed: 1, reason: "1 of 2 applicable items not judged: users[].mfa missing",
    });
  });

  it("CA-ACC-009 is not-evaluated when no ordinary user's MFA status is recorded", () => {
    const users = [{ id: "u3", username: "carol", roles: ["system_user"], status: "active" }];
    expect(judge("CA-ACC-009", { users } as never)).toMatchObject({ status: "not-evaluated", reason: "missing evidence: users[].mfa (absent in all 1 applicable item)" });
  });

  it("CA-ACC-005 and CA-ACC-010 are not-evaluated when no activity date is recorded", () => {
    for (const id of ["CA-ACC-005", "CA-ACC-010"]) {
      expect(judge(id, { users: admins } as never), id).toMatchObject({ status: "not-evaluated", reason: "missing evidence: users[].lastActiveAt (absent in all 2 applicable items)" });
    }
  });

  it("CA-ACC-004 is not-evaluated when the leavers' account status is unknown", () => {
    const users = [{ id: "u9", username: "gina", employment: "terminated" }];
    expect(judge("CA-ACC-004", { users } as never)).toMatchObject({ status: "not-evaluated", reason: "missing evidence: users[].status (absent in all 1 applicable item)" });
  });

  it("CA-ACC-006 and CA-ACC-007 are not-evaluated when the roles are unknown", () => {
    expect(judge("CA-ACC-006", { users: [{ id: "u1", status: "deactivated" }] } as never).status).toBe("not-evaluated");
    expect(judge("CA-ACC-007", { users: [{ id: "g1", guest: true, status: "active" }] } as never).status).toBe("not-evaluated");
  });

  it("users that are not applicable are not counted as missing evidence", () => {
    // Bots and deactivated accounts are outside CA-ACC-001 whether or not they record MFA.
    const users = [{ id: "b1", roles: ["system_admin"], status: "active", bot: true }, { id: "d1", roles: ["system_admin"], status: "deactivated" }];
    expect(judge("CA-ACC-001", { users } as never)).toMatchObject({ status: "pass", evaluated: 0 });
    expect(judge("CA-ACC-001", { users } as never).reason).toBeUndefined();
  });
});

describe("endpoints whose records lack the evidence", () => {
  const listener = (name: string, tls: Record<string, unknown>) => ({ name, url: `https://${name}.example.org`, kind: "client", exposure: "public", tls });

  it("CA-END-002 is not-evaluated when no TLS endpoint records its minimum version", () => {
    const endpoints = [listener("site", { enabled: true }), listener("api", { enabled: true })];
    expect(judge("CA-END-002", { endpoints } as never)).toMatchObject({
      status: "not-evaluated", reason: "missing evidence: endpoints[].tls.minVersion (absent in all 2 applicable items)",
    });
  });

  it("CA-END-003 and CA-END-004 are not-evaluated when no certificate expiry date is recorded", () => {
    const endpoints = [listener("site", { enabled: true, minVersion: "1.2" })];
    for (const id of ["CA-END-003", "CA-END-004"]) {
      expect(judge(id, { endpoints } as never), id).toMatchObject({
        status: "not-evaluated", reason: "missing evidence: endpoints[].tls.certificateExpiresAt (absent in all 1 applicable item)",
      });
    }
  });

  it("plain-text endpoints have no TLS version or certificate to be missing", () => {
    const endpoints = [
      listener("site", { enabled: true, minVersion: "1.3", certificateExpiresAt: "2026-09-01T00:00:00Z" }),
      { name: "upstream", url: "http://10.0.0.5:8065", kind: "api", exposure: "internal" },
      { name: "c2s", url: "xmpp://chat.example.org:5222", kind: "xmpp", exposure: "public", tls: { enabled: false, minVersion: "1.0" } },
    ];
    for (const id of ["CA-END-002", "CA-END-003", "CA-END-004"]) {
      const result = judge(id, { endpoints } as never);
      expect(result, id).toMatchObject({ status: "pass", evaluated: 1 });
      expect(result.reason, id).toBeUndefined();
    }
  });

  it("CA-END-004 leaves expired certificates to CA-END-003 and counts the undated ones", () => {
    const endpoints = [listener("old", { enabled: true, certificateExpiresAt: "2026-05-01T00:00:00Z" }), listener("site", { enabled: true })];
    expect(judge("CA-END-004", { endpoints } as never)).toMatchObject({
      status: "not-evaluated", reason: "missing evidence: endpoints[].tls.certificateExpiresAt (absent in all 1 applicable item)",
    });
    expect(judge("CA-END-003", { endpoints } as never)).toMatchObject({ status: "fail", evaluated: 1, failed: 1 });
  });

  it("CA-END-005 is not-evaluated when the exposure of admin, metrics and database endpoints is unknown", () => {
    const endpoints = [{ name: "db", url: "postgres://db.example.org:5432/chat", kind: "database" }, listener("site", { enabled: true })];
    expect(judge("CA-END-005", { endpoints } as never)).toMatchObject({ status: "not-evaluated", reason: "missing evidence: endpoints[].exposure (absent in all 1 applicable item)" });
  });

  it("CA-END-001 and CA-END-006 count an endpoint whose transport nothing records as not judged, not as out of scope", () => {
    // Neither tls.enabled nor a URL scheme that tells plaintext from TLS: once left out without a word.
    const unknown = { name: "legacy", url: "chat.example.org:8065", kind: "client", exposure: "public" };
    const reason = "missing evidence: endpoints[]: tls.enabled, or a URL whose scheme tells plaintext from TLS (absent in all 1 applicable item)";
    expect(judge("CA-END-001", { endpoints: [unknown] } as never)).toMatchObject({ status: "not-evaluated", evaluated: 0, reason });
    const db = { name: "db", url: "db.example.org:5432", kind: "database", exposure: "internal" };
    expect(judge("CA-END-006", { endpoints: [db] } as never)).toMatchObject({ status: "not-evaluated", evaluated: 0, reason });
    // Either field is enough: the scheme, or tls.enabled without a scheme.
    const endpoints = [unknown, listener("site", {}), { ...unknown, name: "plain", tls: { enabled: false } }];
    expect(judge("CA-END-001", { endpoints } as never)).toMatchObject({
      status: "fail", evaluated: 2, failed: 1,
      reason: "1 of 3 applicable items not judged: endpoints[]: tls.enabled, or a URL whose scheme tells plaintext from TLS missing",
    });
  });

  it("CA-END-007 is not-evaluated when no outgoing TLS connection records certificate verification", () => {
    const endpoints = [
      { name: "smtp", url: "smtps://smtp.example.org:465", kind: "smtp", tls: { enabled: true } },
      listener("site", { enabled: true }), // a listener: the platform does not verify anybody's certificate there
    ];
    expect(judge("CA-END-007", { endpoints } as never)).toMatchObject({
      status: "not-evaluated", reason: "missing evidence: endpoints[].tls.verifyCertificates (absent in all 1 applicable item)",
    });
  });
});

describe("other lists whose items lack the evidence", () => {
  it("CA-AUD-004 is not-evaluated when open vulnerabilities have no publication date or severity", () => {
    const vulnerabilities = [{ id: "CVE-2026-1", severity: "critical" }, { id: "CVE-2026-2", publishedAt: "2026-01-02" }, { id: "CVE-2025-9", fixedAt: "2026-01-01" }];
    expect(judge("CA-AUD-004", { audit: { vulnerabilities } } as never)).toMatchObject({
      status: "not-evaluated", reason: "missing evidence: audit.vulnerabilities[].publishedAt, audit.vulnerabilities[].severity (absent in all 2 applicable items)",
    });
  });

  it("CA-UPD-008 is not-evaluated when no component records the latest version", () => {
    const components = [{ name: "postgresql", version: "16.9" }];
    expect(judge("CA-UPD-008", { software: { components } } as never)).toMatchObject({ status: "not-evaluated", evaluated: 0 });
  });
});

describe("snapshot-level policies whose evidence is absent", () => {
  it("CA-BKP-002 is not-evaluated for an empty run list or runs without status, instead of passing for want of failures", () => {
    expect(judge("CA-BKP-002", { backups: { runs: [] } } as never).status).toBe("not-evaluated");
    expect(judge("CA-BKP-002", { backups: { runs: [{ id: "r1" }, { id: "r2" }] } } as never).status).toBe("not-evaluated");
  });
});

describe("an imported XMPP configuration", () => {
  // ejabberd lists administrators, not their MFA, activity or certificates: those policies have nothing to judge.
  it("leaves MFA, activity and certificate policies not-evaluated instead of passing them", async () => {
    const file = join(REPO, "fixtures/native/ejabberd/ejabberd-hardened.ejabberd.yml");
    const { snapshots, failures } = await loadInputs([file], { asOf: "2026-06-01T00:00:00Z", root: REPO });
    expect(failures.map((f) => f.error.format())).toEqual([]);
    const ids = ["CA-ACC-001", "CA-ACC-005", "CA-ACC-010", "CA-END-003", "CA-END-004"];
    const { results } = evaluateSnapshot(ids.map((id) => compilePolicy(byId(id))), snapshots[0]!, { asOf: AS_OF });
    expect(results.map((r) => `${r.policyId} ${r.status}`)).toEqual(ids.map((id) => `${id} not-evaluated`));
  });
});
