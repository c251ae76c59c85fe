// Rocket.Chat settings export import: insecure and hardened fixtures, retention rules, mongoexport, users.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rocketchatImporter } from "../../src/importers/rocketchat.js";
import type { NativeFile } from "../../src/importers/types.js";
import { importUsersExport } from "../../src/importers/users.js";
import { endpoint, expectValidSnapshot, fixture, inputError, lineAt, lineOf, nativeFile, NATIVE, run } from "./support.js";

/** A settings export from (id, value) pairs, one setting per line so that lines can be checked. */
function exportOf(settings: Record<string, unknown>): NativeFile {
  const lines = Object.entries(settings).map(([id, value]) => `    { "_id": ${JSON.stringify(id)}, "value": ${JSON.stringify(value)} }`);
  return { path: "settings.json", text: `{\n  "settings": [\n${lines.join(",\n")}\n  ],\n  "success": true\n}\n` };
}

describe("Rocket.Chat insecure settings", () => {
  const file = fixture("rocketchat/rocketchat-insecure.settings.json");
  const result = run(rocketchatImporter, file);

  it("imports into a valid snapshot named after the site URL's host", () => {
    expectValidSnapshot(result.snapshot);
    expect(result.snapshot.metadata.name).toBe("rocket-legacy.example.org");
  });

  it("serves the site over plain HTTP, located at Site_Url's value", () => {
    const site = endpoint(result, "site");
    expect(site.value).toMatchObject({ url: "http://rocket-legacy.example.org", exposure: "public", tls: { enabled: false } });
    expect(lineAt(result, `endpoints.${site.index}`)).toBe(lineOf(file, '"Site_Url"'));
  });

  it("sends mail without TLS when SMTP_IgnoreTLS is on", () => {
    const smtp = endpoint(result, "smtp");
    expect(smtp.value).toMatchObject({ url: "smtp://smtp.example.org:25", tls: { enabled: false } });
    expect(lineAt(result, `endpoints.${smtp.index}.tls.enabled`)).toBe(lineOf(file, '"SMTP_IgnoreTLS"'));
  });

  it("stores files on a plain-HTTP WebDAV server", () => {
    expect(endpoint(result, "file storage").value).toMatchObject({ url: "http://files.example.org/remote.php/dav", kind: "storage", tls: { enabled: false } });
  });

  it("has no retention, no metrics, no update checker", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: false, maxAgeDays: null }, files: { enabled: false, maxAgeDays: null } });
    expect(result.snapshot.monitoring?.metrics?.enabled).toBe(false);
    expect(result.snapshot.software).toEqual({ product: "rocketchat", latestVersion: "7.10.1", securityAlerts: false });
    expect(lineAt(result, "software.securityAlerts")).toBe(lineOf(file, '"Update_EnableChecker"'));
  });

  it("redacts settings flagged secret, typed password, or listed in KEYS.md", () => {
    const text = JSON.stringify(result.snapshot);
    for (const secret of ["smtp-pass-2d4f", "webdav-pass-6a8c", "jwt-files-secret-1b3d"]) expect(text).not.toContain(secret);
    expect(result.snapshot.settings).toMatchObject({ SMTP_Username: "[REDACTED]", SMTP_Password: "[REDACTED]", FileUpload_json_web_token_secret_for_files: "[REDACTED]", Site_Name: "Example Chat" });
    expect(lineAt(result, "settings.SMTP_Host")).toBe(lineOf(file, '"SMTP_Host"'));
  });
});

describe("Rocket.Chat hardened settings", () => {
  const result = run(rocketchatImporter, fixture("rocketchat/rocketchat-hardened.settings.json"));

  it("imports into a valid snapshot", () => expectValidSnapshot(result.snapshot));

  it("encrypts the site, mail and storage and verifies certificates", () => {
    expect(endpoint(result, "site").value.tls?.enabled).toBe(true);
    expect(endpoint(result, "smtp").value).toMatchObject({ url: "smtps://smtp.example.org:465", tls: { enabled: true, verifyCertificates: true } });
    expect(endpoint(result, "file storage").value).toMatchObject({ url: "https://s3.eu-central-1.amazonaws.com/rocketchat-files", tls: { enabled: true } });
  });

  it("takes the longest TTL of the room types in days", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: true, maxAgeDays: 365 }, files: { enabled: true, maxAgeDays: 365 } });
  });

  it("leaves the Prometheus exporter's exposure unknown: BIND_IP decides it, not a setting", () => {
    const metrics = endpoint(result, "metrics");
    expect(metrics.value).toMatchObject({ url: "http://0.0.0.0:9458/metrics", kind: "metrics", tls: { enabled: false } });
    expect(metrics.value.exposure).toBeUndefined();
  });
});

describe("Rocket.Chat retention rules", () => {
  it("uses the 30-day TTL code default for covered room types without a TTL", () => {
    const file = exportOf({ RetentionPolicy_Enabled: true, RetentionPolicy_AppliesToChannels: true, RetentionPolicy_AppliesToGroups: true, RetentionPolicy_AppliesToDMs: true });
    expect(run(rocketchatImporter, file).snapshot.retention?.messages).toEqual({ enabled: true, maxAgeDays: 30 });
  });

  it("has no limit while a room type is left out: its messages stay forever", () => {
    const file = exportOf({ RetentionPolicy_Enabled: true, RetentionPolicy_AppliesToChannels: true, RetentionPolicy_AppliesToGroups: true, RetentionPolicy_TTL_Channels: 86_400_000 });
    const result = run(rocketchatImporter, file);
    expect(result.snapshot.retention?.messages).toEqual({ enabled: true, maxAgeDays: null });
    // RetentionPolicy_AppliesToDMs is absent: the finding belongs to the settings list that lacks it.
    expect(lineAt(result, "retention.messages.maxAgeDays")).toBe(lineOf(file, '"settings"'));
  });

  it("falls back to the older MaxAge days and reads FilesOnly as messages kept", () => {
    const file = exportOf({ RetentionPolicy_Enabled: true, RetentionPolicy_AppliesToChannels: true, RetentionPolicy_AppliesToGroups: true, RetentionPolicy_AppliesToDMs: true, RetentionPolicy_MaxAge_Channels: 60, RetentionPolicy_FilesOnly: true });
    const result = run(rocketchatImporter, file);
    expect(result.snapshot.retention).toEqual({ messages: { enabled: false, maxAgeDays: null }, files: { enabled: true, maxAgeDays: 60 } });
    expect(lineAt(result, "retention.files.maxAgeDays")).toBe(lineOf(file, "RetentionPolicy_MaxAge_Channels"));
  });

  it("reads a mongoexport --jsonArray with extended JSON values", () => {
    const file: NativeFile = { path: "rocketchat_settings.json", text: '[\n  {"_id": "Site_Url", "value": "https://chat.example.org", "_updatedAt": {"$date": "2026-01-01T00:00:00Z"}},\n  {"_id": "Prometheus_Port", "value": {"$numberInt": "9100"}},\n  {"_id": "Prometheus_Enabled", "value": true}\n]\n' };
    const result = run(rocketchatImporter, file);
    expect(endpoint(result, "metrics").value.url).toBe("http://0.0.0.0:9100/metrics");
  });

  it("never shows processEnvValue or packageValue", () => {
    const file: NativeFile = { path: "settings.json", text: '{"settings": [{"_id": "SMTP_Host", "value": "mail", "processEnvValue": "env-only-value", "packageValue": "package-only-value"}]}' };
    const text = JSON.stringify(run(rocketchatImporter, file).snapshot);
    expect(text).not.toContain("env-only-value");
    expect(text).not.toContain("package-only-value");
  });

  it("refuses a setting of the wrong type at its line", () => {
    const error = inputError(() => run(rocketchatImporter, exportOf({ Site_Name: "x", RetentionPolicy_Enabled: "yes please" })));
    expect(error.where?.line).toBe(4);
    expect(error.message).toBe("expected `settings.1.value` to be true or false for RetentionPolicy_Enabled, found a string");
  });

  it("refuses a document without settings", () => {
    expect(inputError(() => run(rocketchatImporter, { path: "x.json", text: '{"users": []}' })).message).toMatch(/mapping without settings/);
  });
});

describe("Rocket.Chat users export", () => {
  const imported = importUsersExport(nativeFile(join(NATIVE, "rocketchat/rocketchat-users.json")));

  it("maps roles, activity, two-factor state, guests and bots", () => {
    expect(imported.format).toBe("rocketchat");
    expect(imported.users[0]).toEqual({ id: "aB3dE5fG7hJ9kL1mN", username: "alice", roles: ["user", "admin"], status: "active", guest: false, bot: false, lastActiveAt: "2025-11-19T10:40:00.000Z", mfa: true });
    expect(imported.users[1]).toMatchObject({ status: "deactivated", roles: ["user", "admin"] });
    expect(imported.users[1]!.mfa).toBeUndefined();
    expect(imported.users[2]).toMatchObject({ guest: true });
    expect(imported.users[3]).toMatchObject({ bot: true });
  });
});
