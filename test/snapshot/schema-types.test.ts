import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validatorFor } from "../../src/schema.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { REPO } from "../helpers.js";

// Every field of the TypeScript model, filled: tsc rejects a misspelt field here, ajv rejects one the schema lacks.
const complete: Required<Snapshot> = {
  apiVersion: "chataudit/v1",
  kind: "Snapshot",
  metadata: { name: "n", platform: "mattermost", collectedAt: "2026-06-01T00:00:00Z", environment: "prod", source: "snapshot" },
  software: {
    product: "mattermost", version: "10.5.1", installedAt: "2026-05-01", autoUpdate: false, securityAlerts: true,
    latestVersion: "10.11.0", supportEndsAt: "2026-08-15", components: [{ name: "postgres", version: "15.4", latestVersion: "15.8" }],
  },
  backups: {
    schedule: { intervalHours: 24 },
    runs: [{ id: "r1", completedAt: "2026-05-31T02:00:00Z", status: "success", type: "full", location: { kind: "offsite", uri: "s3://b" }, encrypted: true }],
    restoreTests: [{ testedAt: "2026-04-01", status: "success" }],
  },
  users: [{ id: "u1", username: "a", roles: ["admin"], status: "active", lastActiveAt: null, mfa: true, employment: "active", guest: false, bot: false }],
  roles: [{ name: "admin", permissions: ["manage_system"], builtIn: true, admin: true }],
  accessReviews: [{ completedAt: "2026-03-01", reviewer: "ciso" }],
  endpoints: [{ name: "web", url: "https://chat.example.com", kind: "client", exposure: "public", tls: { enabled: true, minVersion: "1.2", certificateExpiresAt: "2026-12-01", verifyCertificates: true } }],
  retention: { messages: { enabled: true, maxAgeDays: 365 }, files: { enabled: true, maxAgeDays: null }, auditLogs: { maxAgeDays: 400 } },
  encryption: { atRest: { database: true, files: true } },
  monitoring: { metrics: { enabled: true }, alerts: [{ metric: "cpu", threshold: 90 }] },
  audit: {
    logging: { enabled: true }, lastSecurityAuditAt: "2026-01-10", lastPenetrationTestAt: "2025-11-01",
    incidentResponse: { planDocumented: true, lastExerciseAt: "2026-02-01" },
    vulnerabilities: [{ id: "CVE-2026-1", severity: "high", publishedAt: "2026-05-01", fixedIn: "10.5.2", fixedAt: "2026-05-10" }],
  },
  training: { onboardingRequired: true, completionRate: 0.97, lastSessionAt: "2026-04-01", supportChannel: "#help" },
  feedback: { channel: "#feedback", lastSurveyAt: "2026-03-01" },
  settings: { ServiceSettings: { SiteURL: "https://chat.example.com" } },
};

describe("the snapshot schema and the TypeScript model", () => {
  const schema = JSON.parse(readFileSync(join(REPO, "schemas/snapshot.schema.json"), "utf8"));

  it("accept the same complete snapshot", () => {
    const validate = validatorFor("snapshot");
    expect(validate(complete), JSON.stringify(validate.errors)).toBe(true);
  });

  it("name the same top-level sections", () => {
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(complete).sort());
  });

  it("spell the core fields of DESIGN.md exactly", () => {
    const users = schema.properties.users.items.properties;
    expect(Object.keys(users)).toEqual(expect.arrayContaining(["id", "username", "roles", "status", "lastActiveAt", "mfa", "employment", "guest"]));
    const endpoint = schema.properties.endpoints.items.properties;
    expect(Object.keys(endpoint.tls.properties)).toEqual(expect.arrayContaining(["enabled", "minVersion", "certificateExpiresAt"]));
    expect(schema.required).toEqual(["apiVersion", "kind", "metadata"]);
    expect(schema.properties.metadata.required).toEqual(["name", "platform", "collectedAt"]);
  });

  it("reject a misspelt enum value and a malformed date", () => {
    const validate = validatorFor("snapshot");
    expect(validate({ ...complete, users: [{ id: "x", status: "enabled" }] })).toBe(false);
    expect(validate({ ...complete, metadata: { ...complete.metadata, collectedAt: "yesterday" } })).toBe(false);
  });
});
