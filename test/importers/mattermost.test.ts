// Mattermost config.json import: the dev seed, insecure and hardened fixtures, code defaults, malformed input.

import { describe, expect, it } from "vitest";
import { mattermostImporter } from "../../src/importers/mattermost.js";
import type { NativeFile } from "../../src/importers/types.js";
import { endpoint, expectValidSnapshot, fixture, inputError, lineAt, lineOf, run, sample } from "./support.js";

const inline = (text: string): NativeFile => ({ path: "config.json", text });

describe("Mattermost dev seed config", () => {
  const file = sample("mattermost/dev-seed.config.json");
  const result = run(mattermostImporter, file);

  it("imports into a valid snapshot named after the site URL's host", () => {
    expectValidSnapshot(result.snapshot);
    expect(result.snapshot.metadata).toMatchObject({ name: "localhost", platform: "mattermost", source: "import:mattermost" });
  });

  it("never carries the seed's DSN password, anywhere", () => {
    expect(JSON.stringify(result.snapshot)).not.toContain("mostest");
    expect(result.snapshot.settings).toMatchObject({ SqlSettings: { DataSource: "[REDACTED]" } });
  });

  it("reads the DSN for the database endpoint: loopback host, sslmode=disable, no credentials", () => {
    const db = endpoint(result, "database");
    expect(db.value).toMatchObject({ url: "postgres://localhost:5432/mattermost_test", kind: "database", exposure: "internal", tls: { enabled: false } });
    expect(lineAt(result, `endpoints.${db.index}`)).toBe(lineOf(file, '"DataSource"'));
  });

  it("serves the site over plain HTTP on every interface, pointing at SiteURL and ListenAddress", () => {
    const site = endpoint(result, "site");
    expect(site.value).toMatchObject({ url: "http://localhost:8065", kind: "client", exposure: "public", tls: { enabled: false } });
    expect(lineAt(result, `endpoints.${site.index}.tls.enabled`)).toBe(lineOf(file, '"SiteURL"'));
    expect(lineAt(result, `endpoints.${site.index}.exposure`)).toBe(lineOf(file, '"ListenAddress"'));
  });

  it("uses code defaults for the sections the seed leaves out, located at line 1", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: false, maxAgeDays: null }, files: { enabled: false, maxAgeDays: null } });
    expect(lineAt(result, "retention.messages.enabled")).toBe(1);
    expect(result.snapshot.monitoring?.metrics?.enabled).toBe(false);
    expect(result.snapshot.audit?.logging?.enabled).toBe(false);
    expect(result.snapshot.software).toEqual({ product: "mattermost", securityAlerts: true });
  });

  it("counts an empty AtRestEncryptKey as no database encryption", () => {
    expect(result.snapshot.encryption?.atRest?.database).toBe(false);
    expect(lineAt(result, "encryption.atRest.database")).toBe(lineOf(file, '"AtRestEncryptKey"'));
  });
});

describe("Mattermost insecure config", () => {
  const file = fixture("mattermost/mattermost-insecure.config.json");
  const result = run(mattermostImporter, file);
  const text = JSON.stringify(result.snapshot);

  it("imports into a valid snapshot", () => expectValidSnapshot(result.snapshot));

  it("reports every plaintext connection", () => {
    for (const name of ["site", "metrics", "smtp", "ldap", "database", "search", "file storage"]) {
      expect(endpoint(result, name).value.tls?.enabled, name).toBe(false);
    }
    expect(endpoint(result, "search").value.url).toBe("http://search.example.org:9200");
    expect(endpoint(result, "file storage").value.url).toBe("http://minio.example.org:9000/mattermost-files");
  });

  it("exposes metrics publicly when they listen on every interface", () => {
    const metrics = endpoint(result, "metrics");
    expect(metrics.value).toMatchObject({ url: "http://0.0.0.0:8067/metrics", kind: "metrics", exposure: "public" });
    expect(lineAt(result, `endpoints.${metrics.index}.exposure`)).toBe(lineOf(file, '":8067"'));
  });

  it("leaves a remote database's exposure unknown rather than guessing", () => {
    expect(endpoint(result, "database").value.exposure).toBeUndefined();
  });

  it("gives no certificate verdict on plaintext connections", () => {
    expect(endpoint(result, "smtp").value.tls).toEqual({ enabled: false });
  });

  it("maps switched-off alerts, retention, audit and encryption", () => {
    expect(result.snapshot.software?.securityAlerts).toBe(false);
    expect(result.snapshot.encryption?.atRest).toEqual({ database: false, files: false });
    expect(lineAt(result, "retention.messages.enabled")).toBe(lineOf(file, '"EnableMessageDeletion"'));
    expect(lineAt(result, "audit.logging.enabled")).toBe(lineOf(file, '"FileEnabled"'));
  });

  it("redacts every secret the config holds", () => {
    for (const secret of ["Winter2026!", "smtp-pass-7a1e", "ldap-bind-2b9d", "s3-secret-91c4", "AKIAEXAMPLE0INSECURE", "public-link-salt-55e0", "elastic-pass-c3d2", "giphy-sdk-key-0f3a9c"]) {
      expect(text).not.toContain(secret);
    }
    expect(result.snapshot.settings).toMatchObject({ EmailSettings: { SMTPPassword: "[REDACTED]", SMTPUsername: "mattermost" }, ServiceSettings: { GiphySdkKey: "[REDACTED]" } });
  });
});

describe("Mattermost hardened config", () => {
  const file = fixture("mattermost/mattermost-hardened.config.json");
  const result = run(mattermostImporter, file);

  it("imports into a valid snapshot", () => expectValidSnapshot(result.snapshot));

  it("terminates TLS itself with the configured minimum version", () => {
    const site = endpoint(result, "site");
    expect(site.value).toMatchObject({ url: "https://mm-hardened.example.org", tls: { enabled: true, minVersion: "1.2" } });
    expect(lineAt(result, `endpoints.${site.index}.tls.minVersion`)).toBe(lineOf(file, '"TLSMinVer"'));
  });

  it("encrypts every backend connection and verifies certificates", () => {
    for (const name of ["smtp", "ldap", "database", "database replica 1", "file storage"]) {
      expect(endpoint(result, name).value.tls?.enabled, name).toBe(true);
    }
    expect(endpoint(result, "database").value).toMatchObject({ url: "postgres://10.0.3.10:5432/mattermost", exposure: "internal", tls: { verifyCertificates: true } });
    expect(endpoint(result, "ldap").value.url).toBe("ldaps://ldap.example.org:636");
  });

  it("keeps metrics on loopback", () => {
    expect(endpoint(result, "metrics").value).toMatchObject({ url: "http://127.0.0.1:8067/metrics", exposure: "internal" });
  });

  it("converts retention days and hours, hours winning when set", () => {
    expect(result.snapshot.retention).toEqual({
      messages: { enabled: true, maxAgeDays: 365 },
      files: { enabled: true, maxAgeDays: 90 },
      auditLogs: { maxAgeDays: 400 },
    });
    expect(lineAt(result, "retention.messages.maxAgeDays")).toBe(lineOf(file, '"MessageRetentionDays"'));
    expect(lineAt(result, "retention.files.maxAgeDays")).toBe(lineOf(file, '"FileRetentionHours"'));
  });

  it("reads encryption at rest from the key's presence and S3 server-side encryption", () => {
    expect(result.snapshot.encryption?.atRest).toEqual({ database: true, files: true });
    expect(JSON.stringify(result.snapshot)).not.toContain("at-rest-key-6b8f0e2a");
  });

  it("redacts plugin settings wholesale and replicas' DSNs", () => {
    const settings = result.snapshot.settings as Record<string, Record<string, unknown>>;
    expect(settings.PluginSettings).toEqual({ Enable: true, Plugins: { "com.mattermost.plugin-jira": { jirasecret: "[REDACTED]", instanceurl: "[REDACTED]" } } });
    expect(settings.SqlSettings!.DataSourceReplicas).toEqual(["[REDACTED]"]);
    expect(JSON.stringify(result.snapshot)).not.toContain("Spring2026!");
  });
});

describe("Mattermost code defaults", () => {
  it("points a default inside a present section at that section's line", () => {
    const file = inline('{\n  "ServiceSettings": {},\n  "DataRetentionSettings": {\n    "EnableFileDeletion": true\n  }\n}\n');
    const result = run(mattermostImporter, file);
    expect(lineAt(result, "retention.messages.enabled")).toBe(3);
    expect(result.snapshot.retention?.files).toEqual({ enabled: true, maxAgeDays: 365 });
    expect(lineAt(result, "retention.files.maxAgeDays")).toBe(3);
  });

  it("listens on every interface and offers the default push server when nothing says otherwise", () => {
    const result = run(mattermostImporter, inline('{"ServiceSettings": {}}'));
    expect(endpoint(result, "site").value).toMatchObject({ url: "http://0.0.0.0:8065", exposure: "public", tls: { enabled: false } });
    expect(endpoint(result, "push notifications").value.url).toBe("https://push-test.mattermost.com");
    expect(endpoint(result, "smtp").value.url).toBe("smtp://localhost:10025");
  });

  it("reads MySQL DSNs too, TLS off unless the tls parameter asks for it", () => {
    const result = run(mattermostImporter, inline('{"SqlSettings": {"DriverName": "mysql", "DataSource": "mmuser:p@ss@tcp(mysql.internal:3306)/mattermost?charset=utf8mb4&tls=skip-verify"}}'));
    expect(endpoint(result, "database").value).toMatchObject({ url: "mysql://mysql.internal:3306/mattermost", tls: { enabled: true, verifyCertificates: false } });
    expect(JSON.stringify(result.snapshot)).not.toContain("p@ss");
  });
});

describe("malformed Mattermost configs", () => {
  it("refuses broken JSON with the line of the break", () => {
    const error = inputError(() => run(mattermostImporter, inline('{\n  "ServiceSettings": {\n    "SiteURL": "https://x" "ListenAddress": ":8065"\n  }\n}')));
    expect(error.where?.line).toBe(3);
    expect(error.message).toMatch(/^expected a Mattermost config\.json/);
  });

  it("refuses a list where the sections should be", () => {
    expect(inputError(() => run(mattermostImporter, inline("[1, 2]"))).message).toMatch(/found a list/);
  });

  it("refuses a switch that is not true or false, at its line", () => {
    const error = inputError(() => run(mattermostImporter, inline('{\n  "DataRetentionSettings": {\n    "EnableMessageDeletion": "maybe"\n  }\n}')));
    expect(error.where?.line).toBe(3);
    expect(error.message).toBe("expected `DataRetentionSettings.EnableMessageDeletion` to be true or false, found a string");
  });

  it("refuses a section that is not an object", () => {
    expect(inputError(() => run(mattermostImporter, inline('{"SqlSettings": "postgres://u:secretpw@h/db"}'))).message).not.toContain("secretpw");
  });
});
