// Prosody prosody.cfg.lua import: the Debian default, insecure and hardened fixtures, Lua details, syntax errors.

import { describe, expect, it } from "vitest";
import { prosodyPeriodDays } from "../../src/importers/durations.js";
import { prosodyImporter } from "../../src/importers/prosody.js";
import type { NativeFile } from "../../src/importers/types.js";
import { endpoint, expectValidSnapshot, fixture, inputError, lineAt, lineOf, run, sample } from "./support.js";

const inline = (text: string): NativeFile => ({ path: "prosody.cfg.lua", text });

describe("Prosody Debian default config", () => {
  const file = sample("prosody/debian-default.prosody.cfg.lua");
  const result = run(prosodyImporter, file);

  it("imports into a valid snapshot named after the first VirtualHost", () => {
    expectValidSnapshot(result.snapshot);
    expect(result.snapshot.metadata.name).toBe("localhost");
  });

  it("requires client encryption by mod_tls's code default, located at the VirtualHost", () => {
    const c2s = endpoint(result, "c2s localhost");
    expect(c2s.value).toEqual({ name: "c2s localhost", url: "xmpp://0.0.0.0:5222", kind: "xmpp", exposure: "public", tls: { enabled: true, minVersion: "1.2" } });
    expect(lineAt(result, `endpoints.${c2s.index}.tls.enabled`)).toBe(lineOf(file, 'VirtualHost "localhost"'));
  });

  it("requires server encryption and verifies certificates through s2s_secure_auth", () => {
    const s2s = endpoint(result, "s2s localhost");
    expect(s2s.value.tls).toEqual({ enabled: true, minVersion: "1.2", verifyCertificates: true });
    expect(lineAt(result, `endpoints.${s2s.index}.tls.verifyCertificates`)).toBe(lineOf(file, "s2s_secure_auth = true"));
  });

  it("serves no HTTP: every HTTP module is commented out", () => {
    expect(result.snapshot.endpoints?.map((e) => e.name)).toEqual(["c2s localhost", "s2s localhost"]);
  });

  it("keeps no archive (mam is commented out) despite archive_expires_after", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: true, maxAgeDays: 0 }, files: { enabled: true, maxAgeDays: 0 } });
    expect(lineAt(result, "retention.messages")).toBe(lineOf(file, "modules_enabled = {"));
  });

  it("has no admins, no metrics, and logs to files", () => {
    expect(result.snapshot.users).toBeUndefined();
    expect(result.snapshot.metadata.usersListed).toBeUndefined();
    expect(result.snapshot.monitoring?.metrics?.enabled).toBe(false);
    expect(result.snapshot.audit?.logging?.enabled).toBe(true);
    expect(lineAt(result, "audit.logging.enabled")).toBe(lineOf(file, "log = {"));
  });

  it("keeps the config as settings: globals, hosts, includes, the log table with its positional sink", () => {
    const settings = result.snapshot.settings as { global: Record<string, unknown>; virtualHosts: Record<string, unknown>; includes: string[] };
    expect(settings.global.s2s_secure_auth).toBe(true);
    expect(settings.global.modules_enabled).toContain("admin_shell");
    expect(settings.global.log).toEqual({ info: "/var/log/prosody/prosody.log", error: "/var/log/prosody/prosody.err", 1: { levels: ["error"], to: "syslog" } });
    expect(settings.virtualHosts).toEqual({ localhost: {} });
    expect(settings.includes).toEqual(["conf.d/*.cfg.lua"]);
    expect(lineAt(result, "settings.global.archive_expires_after")).toBe(lineOf(file, 'archive_expires_after = "1w"'));
  });
});

describe("Prosody insecure config", () => {
  const file = fixture("prosody/prosody-insecure.cfg.lua");
  const result = run(prosodyImporter, file);

  it("imports into a valid snapshot", () => expectValidSnapshot(result.snapshot));

  it("lets clients and servers in without encryption, located at the switches", () => {
    const c2s = endpoint(result, "c2s im-legacy.example.com");
    expect(c2s.value.tls).toEqual({ enabled: false, minVersion: "1.0" });
    expect(lineAt(result, `endpoints.${c2s.index}`)).toBe(lineOf(file, "c2s_require_encryption = false"));
    expect(lineAt(result, `endpoints.${c2s.index}.tls.minVersion`)).toBe(lineOf(file, 'tls_profile = "old"'));
    expect(endpoint(result, "s2s im-legacy.example.com").value.tls).toEqual({ enabled: false, minVersion: "1.0" });
  });

  it("serves BOSH over plain HTTP on every interface", () => {
    const bosh = endpoint(result, "http 5280 bosh");
    expect(bosh.value).toMatchObject({ url: "http://0.0.0.0:5280/http-bind", exposure: "public", tls: { enabled: false } });
    expect(lineAt(result, `endpoints.${bosh.index}.exposure`)).toBe(lineOf(file, "http_interfaces"));
  });

  it("keeps archives forever and uploads for two years (arithmetic in seconds)", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: false, maxAgeDays: null }, files: { enabled: true, maxAgeDays: 730 } });
    expect(lineAt(result, "retention.messages.enabled")).toBe(lineOf(file, 'archive_expires_after = "never"'));
  });

  it("sees the external component's plaintext loopback port", () => {
    expect(endpoint(result, "component 5347").value).toMatchObject({ exposure: "internal", tls: { enabled: false } });
  });

  it("counts syslog alone as no file log", () => expect(result.snapshot.audit?.logging?.enabled).toBe(false));

  it("takes admins as users with the admin role", () => {
    expect(result.snapshot.users?.map((u) => u.id)).toEqual(["alice@im-legacy.example.com", "bob@im-legacy.example.com", "carol@im-legacy.example.com"]);
    expect(lineAt(result, "users.1")).toBe(lineOf(file, "admins = {"));
    expect(result.snapshot.metadata.usersListed).toBe("admins");
  });

  it("redacts the secrets of every section", () => {
    const text = JSON.stringify(result.snapshot);
    for (const secret of ["sql-pass-4d6f", "turn-secret-8b0d", "share-secret-1c3e", "component-secret-5a7c"]) expect(text).not.toContain(secret);
    const settings = result.snapshot.settings as { components: Record<string, Record<string, unknown>> };
    expect(settings.components["gateway.im-legacy.example.com"]).toEqual({ component_secret: "[REDACTED]" });
    expect(settings.components["upload.im-legacy.example.com"]!.component_module).toBe("http_file_share");
  });
});

describe("Prosody hardened config", () => {
  const file = fixture("prosody/prosody-hardened.cfg.lua");
  const result = run(prosodyImporter, file);

  it("imports into a valid snapshot", () => expectValidSnapshot(result.snapshot));

  it("encrypts every public endpoint with TLS 1.2", () => {
    for (const e of result.snapshot.endpoints ?? []) {
      if (e.exposure === "public") expect(e.tls, e.name).toMatchObject({ enabled: true, minVersion: "1.2" });
    }
  });

  it("keeps metrics to the allowed loopback addresses", () => {
    const metrics = (result.snapshot.endpoints ?? []).filter((e) => e.kind === "metrics");
    expect(metrics.length).toBeGreaterThan(0);
    for (const m of metrics) expect(m.exposure).toBe("internal");
    expect(result.snapshot.monitoring?.metrics?.enabled).toBe(true);
  });

  it("takes the longest archive expiry of hosts and MUC components, and the share expiry", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: true, maxAgeDays: 365 }, files: { enabled: true, maxAgeDays: 30 } });
    expect(lineAt(result, "retention.files.maxAgeDays")).toBe(lineOf(file, "http_file_share_expires_after"));
  });

  it("shows key file paths, which are not secrets", () => {
    expect((result.snapshot.settings as { global: { ssl: unknown } }).global.ssl).toEqual({ key: "/etc/prosody/certs/im-hardened.example.com.key", certificate: "/etc/prosody/certs/im-hardened.example.com.crt" });
  });
});

describe("Prosody details", () => {
  it("reads periods as mod_mam does: first letter of the unit, months of 31 days, plain numbers in seconds", () => {
    expect(prosodyPeriodDays("1w")).toBe(7);
    expect(prosodyPeriodDays("2 weeks")).toBe(14);
    expect(prosodyPeriodDays("1m")).toBe(31);
    expect(prosodyPeriodDays("1y")).toBe(365.2425);
    expect(prosodyPeriodDays("never")).toBeNull();
    expect(prosodyPeriodDays(604_800)).toBe(7);
    expect(prosodyPeriodDays("86400")).toBe(1);
    expect(prosodyPeriodDays("forever")).toBeUndefined();
  });

  it("lets a VirtualHost override the global setting", () => {
    const result = run(prosodyImporter, inline('c2s_require_encryption = true\nVirtualHost "a.example"\nVirtualHost "b.example"\n  c2s_require_encryption = false\n'));
    expect(endpoint(result, "c2s a.example").value.tls?.enabled).toBe(true);
    const b = endpoint(result, "c2s b.example");
    expect(b.value.tls?.enabled).toBe(false);
    expect(lineAt(result, `endpoints.${b.index}.tls.enabled`)).toBe(4);
  });

  it("falls back from c2s_require_encryption to require_encryption", () => {
    expect(endpoint(run(prosodyImporter, inline('require_encryption = false\nVirtualHost "x"\n')), "c2s x").value.tls?.enabled).toBe(false);
  });

  it("never runs the config: calls are unknown values, not results", () => {
    const result = run(prosodyImporter, inline('sql = { password = os.getenv("PROSODY_DB_PASSWORD") }\nos.execute("touch /tmp/prosody-was-run")\nVirtualHost "x"\n'));
    expect((result.snapshot.settings as { global: unknown }).global).toEqual({ sql: { password: null } });
  });

  it("keeps UTF-8 strings intact through the Latin-1 view luaparse needs", () => {
    const result = run(prosodyImporter, inline('VirtualHost "chät.example"\n  admins = { "jöran@chät.example" }\n'));
    expect(result.snapshot.users?.[0]?.id).toBe("jöran@chät.example");
  });

  it("refuses a Lua syntax error at its line, without quoting the token it stopped at", () => {
    const error = inputError(() => run(prosodyImporter, inline('admins = { "a@example.org" }\nsql = { password = "hunter2" "more" = }\n')));
    expect(error.where?.line).toBe(2);
    expect(error.message).toMatch(/^expected a Prosody config \(Lua\): /);
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("near");
  });

  it("refuses a setting of the wrong type at its line", () => {
    const error = inputError(() => run(prosodyImporter, inline('VirtualHost "x"\n  c2s_require_encryption = "sometimes"\n')));
    expect(error.where?.line).toBe(2);
  });
});
