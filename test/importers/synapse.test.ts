// Synapse homeserver.yaml import: the generated sample, insecure and hardened fixtures, durations, users export.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synapseDurationDays } from "../../src/importers/durations.js";
import { synapseImporter } from "../../src/importers/synapse.js";
import type { NativeFile } from "../../src/importers/types.js";
import { importUsersExport } from "../../src/importers/users.js";
import { endpoint, expectValidSnapshot, fixture, inputError, lineAt, lineOf, nativeFile, NATIVE, run, sample } from "./support.js";

const inline = (text: string): NativeFile => ({ path: "homeserver.yaml", text });

describe("Synapse generated sample config", () => {
  const file = sample("synapse/sample_config.yaml");
  const result = run(synapseImporter, file);

  it("imports into a valid snapshot named after server_name", () => {
    expectValidSnapshot(result.snapshot);
    expect(result.snapshot.metadata.name).toBe("SERVERNAME");
    expect(lineAt(result, "metadata.name")).toBe(lineOf(file, "server_name:"));
  });

  it("sees the tls: false listener bound to loopback as internal, with its TLS at the tls line", () => {
    for (const name of ["client listener 8008", "federation listener 8008"]) {
      const listener = endpoint(result, name);
      expect(listener.value).toMatchObject({ exposure: "internal", tls: { enabled: false } });
      expect(listener.value.url).toMatch(/^http:\/\/\[::1\]:8008\/_matrix\//);
      expect(lineAt(result, `endpoints.${listener.index}.tls.enabled`)).toBe(lineOf(file, "tls: false"));
      expect(lineAt(result, `endpoints.${listener.index}.exposure`)).toBe(lineOf(file, "bind_addresses:"));
    }
  });

  it("takes the code default TLS 1.0 floor for outbound federation, located at line 1", () => {
    const federation = endpoint(result, "outbound federation");
    expect(federation.value.tls).toEqual({ enabled: true, minVersion: "1.0", verifyCertificates: true });
    expect(lineAt(result, `endpoints.${federation.index}.tls.minVersion`)).toBe(1);
  });

  it("has no retention and no metrics by default, and logs through log_config", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: false, maxAgeDays: null }, files: { enabled: false, maxAgeDays: null } });
    expect(result.snapshot.monitoring?.metrics?.enabled).toBe(false);
    expect(result.snapshot.audit?.logging?.enabled).toBe(true);
    expect(lineAt(result, "audit.logging.enabled")).toBe(lineOf(file, "log_config:"));
  });

  it("reads no database endpoint from sqlite", () => {
    expect(result.snapshot.endpoints?.some((e) => e.kind === "database")).toBe(false);
  });
});

describe("Synapse insecure config", () => {
  const file = fixture("synapse/synapse-insecure.homeserver.yaml");
  const result = run(synapseImporter, file);

  it("imports into a valid snapshot", () => expectValidSnapshot(result.snapshot));

  it("treats a listener without bind_addresses as listening on every interface", () => {
    const client = endpoint(result, "client listener 8008");
    expect(client.value).toMatchObject({ exposure: "public", tls: { enabled: false } });
    expect(lineAt(result, `endpoints.${client.index}.exposure`)).toBe(lineOf(file, "- port: 8008"));
  });

  it("exposes metrics and the manhole publicly", () => {
    expect(endpoint(result, "metrics listener 9000").value).toMatchObject({ kind: "metrics", exposure: "public", url: "http://0.0.0.0:9000/_synapse/metrics" });
    expect(endpoint(result, "manhole 9999").value).toMatchObject({ kind: "admin", exposure: "public" });
  });

  it("reads the weakened federation TLS at its keys", () => {
    const federation = endpoint(result, "outbound federation");
    expect(federation.value.tls).toEqual({ enabled: true, minVersion: "1.0", verifyCertificates: false });
    expect(lineAt(result, `endpoints.${federation.index}.tls.minVersion`)).toBe(lineOf(file, "federation_client_minimum_tls_version"));
    expect(lineAt(result, `endpoints.${federation.index}.tls.verifyCertificates`)).toBe(lineOf(file, "federation_verify_certificates"));
  });

  it("sees plaintext email and database connections", () => {
    expect(endpoint(result, "smtp").value).toMatchObject({ url: "smtp://smtp.example.org:25", tls: { enabled: false } });
    expect(endpoint(result, "database").value).toMatchObject({ url: "postgres://db.example.org:5432/synapse", tls: { enabled: false } });
  });

  it("has no audit logging without log_config", () => {
    expect(result.snapshot.audit?.logging?.enabled).toBe(false);
  });

  it("redacts the secrets KEYS.md lists", () => {
    const text = JSON.stringify(result.snapshot);
    for (const secret of ["manhole-pass-3c1d", "db-pass-4e2a", "smtp-pass-9f3b", "macaroon-5d6e7f", "registration-8a9b", "form-secret-0c1d"]) expect(text).not.toContain(secret);
    expect(result.snapshot.settings).toMatchObject({ signing_key_path: "/etc/matrix-synapse/homeserver.signing.key", email: { smtp_user: "synapse", smtp_pass: "[REDACTED]" } });
  });
});

describe("Synapse hardened config", () => {
  const file = fixture("synapse/synapse-hardened.homeserver.yaml");
  const result = run(synapseImporter, file);

  it("imports into a valid snapshot", () => expectValidSnapshot(result.snapshot));

  it("keeps plain listeners on loopback behind an https public base URL", () => {
    expect(endpoint(result, "client listener 8008").value).toMatchObject({ url: "http://127.0.0.1:8008/_matrix/client", exposure: "internal" });
    expect(endpoint(result, "public base URL").value).toMatchObject({ url: "https://matrix-hardened.example.org/", exposure: "public", tls: { enabled: true } });
  });

  it("reads retention durations in days at their keys", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: true, maxAgeDays: 365 }, files: { enabled: true, maxAgeDays: 90 } });
    expect(lineAt(result, "retention.messages.maxAgeDays")).toBe(lineOf(file, "max_lifetime: 365d"));
    expect(lineAt(result, "retention.files.maxAgeDays")).toBe(lineOf(file, "local_media_lifetime"));
  });

  it("requires TLS to the mail server and the database", () => {
    expect(endpoint(result, "smtp").value).toMatchObject({ url: "smtps://smtp.example.org:465", tls: { enabled: true } });
    expect(endpoint(result, "database").value).toMatchObject({ exposure: "internal", tls: { enabled: true, verifyCertificates: true } });
    expect(endpoint(result, "outbound federation").value.tls?.minVersion).toBe("1.2");
  });
});

describe("Synapse details", () => {
  it("parses durations as Synapse does: integers are milliseconds, m is minutes, y is 365 days", () => {
    expect(synapseDurationDays("28d")).toBe(28);
    expect(synapseDurationDays("1w")).toBe(7);
    expect(synapseDurationDays("1y")).toBe(365);
    expect(synapseDurationDays("36h")).toBe(1.5);
    expect(synapseDurationDays("1440m")).toBe(1);
    expect(synapseDurationDays(86_400_000)).toBe(1);
    expect(synapseDurationDays("86400000")).toBe(1);
    expect(synapseDurationDays("soon")).toBeUndefined();
  });

  it("points a bad duration at its line", () => {
    const error = inputError(() => run(synapseImporter, inline("server_name: x\nretention:\n  enabled: true\n  default_policy:\n    max_lifetime: forever\n")));
    expect(error.where?.line).toBe(5);
    expect(error.message).toContain("a duration such as 28d");
  });

  it("turns federation off with an explicitly empty domain whitelist", () => {
    const result = run(synapseImporter, inline("server_name: x\nfederation_domain_whitelist: []\nlisteners: []\n"));
    expect(result.snapshot.endpoints ?? []).toEqual([]);
  });

  it("accepts YAML 1.1 booleans the way PyYAML reads them", () => {
    const result = run(synapseImporter, inline("server_name: x\nenable_metrics: yes\nlisteners:\n  - port: 8448\n    type: http\n    tls: on\n    resources: [{names: [federation]}]\n"));
    expect(result.snapshot.monitoring?.metrics?.enabled).toBe(true);
    expect(endpoint(result, "federation listener 8448").value).toMatchObject({ url: "https://[::]:8448/_matrix/federation", exposure: "public", tls: { enabled: true } });
  });

  it("refuses broken YAML at its line", () => {
    const error = inputError(() => run(synapseImporter, inline("server_name: x\nlisteners:\n  - port: 8008\n   type: http\n")));
    expect(error.where?.line).toBeGreaterThanOrEqual(3);
    expect(error.message).toMatch(/^expected a Synapse homeserver\.yaml/);
  });

  it("refuses a listener without a type", () => {
    expect(inputError(() => run(synapseImporter, inline("server_name: x\nlisteners:\n  - port: 8008\n"))).where?.line).toBe(3);
  });
});

describe("Synapse users export", () => {
  const file = nativeFile(join(NATIVE, "synapse/synapse-users.json"));
  const imported = importUsersExport(file);

  it("is recognised as Synapse's admin API answer", () => expect(imported.format).toBe("synapse"));

  it("maps admin flags, deactivation, last seen, guests and bots", () => {
    const byId = new Map(imported.users.map((u) => [u.id, u]));
    expect(byId.get("@alice:matrix.example.org")).toEqual({ id: "@alice:matrix.example.org", username: "@alice:matrix.example.org", roles: ["admin"], status: "active", guest: false, bot: false, lastActiveAt: "2025-11-19T10:40:00.000Z" });
    expect(byId.get("@mallory:matrix.example.org")).toMatchObject({ roles: ["admin"], status: "deactivated", lastActiveAt: null });
    expect(byId.get("@notices:matrix.example.org")).toMatchObject({ bot: true, roles: [] });
    expect(byId.get("@guest-42:matrix.example.org")).toMatchObject({ guest: true });
  });

  it("locates each user and the admin flag in the export", () => {
    // The entry opens on the line before its name.
    expect(imported.provenance.get("users.0")?.line).toBe(lineOf(file, "@alice") - 1);
    expect(imported.provenance.get("users.0.id")?.line).toBe(lineOf(file, "@alice"));
    expect(imported.provenance.get("users.2.roles")?.line).toBe(lineOf(file, '"admin": true'));
  });
});
