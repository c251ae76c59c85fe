// ejabberd.yml import: the Debian default and upstream example, insecure and hardened fixtures, macros, ACLs.

import { describe, expect, it } from "vitest";
import { ejabberdImporter } from "../../src/importers/ejabberd.js";
import type { NativeFile } from "../../src/importers/types.js";
import { endpoint, expectValidSnapshot, fixture, inputError, lineAt, lineOf, run, sample } from "./support.js";

const inline = (text: string): NativeFile => ({ path: "ejabberd.yml", text });

describe("ejabberd Debian default config", () => {
  const file = sample("ejabberd/debian-default.ejabberd.yml");
  const result = run(ejabberdImporter, file);

  it("imports into a valid snapshot named after the first host", () => {
    expectValidSnapshot(result.snapshot);
    expect(result.snapshot.metadata.name).toBe("localhost");
  });

  it("finds the plaintext MQTT listener on port 1883, located at its port line", () => {
    const mqtt = endpoint(result, "mqtt 1883");
    expect(mqtt.value).toEqual({ name: "mqtt 1883", url: "mqtt://[::]:1883", kind: "client", exposure: "public", tls: { enabled: false } });
    expect(lineAt(result, `endpoints.${mqtt.index}`)).toBe(lineOf(file, "port: 1883"));
    expect(lineAt(result, `endpoints.${mqtt.index}.tls.enabled`)).toBe(lineOf(file, "port: 1883"));
  });

  it("has no other plaintext TCP endpoint", () => {
    const plaintext = (result.snapshot.endpoints ?? []).filter((e) => e.tls?.enabled === false).map((e) => e.name);
    expect(plaintext).toEqual(["mqtt 1883"]);
  });

  it("requires STARTTLS on 5222 with TLS 1.2 from the TLS_OPTIONS macro", () => {
    const c2s = endpoint(result, "c2s 5222");
    expect(c2s.value.tls).toEqual({ enabled: true, minVersion: "1.2" });
    expect(lineAt(result, `endpoints.${c2s.index}.tls.enabled`)).toBe(lineOf(file, "starttls_required: true"));
    expect(lineAt(result, `endpoints.${c2s.index}.tls.minVersion`)).toBe(lineOf(file, "    protocol_options: 'TLS_OPTIONS'"));
  });

  it("encrypts server-to-server links through s2s_use_starttls: required", () => {
    const s2s = endpoint(result, "s2s 5269");
    expect(s2s.value).toMatchObject({ kind: "federation", tls: { enabled: true, minVersion: "1.2" } });
    expect(lineAt(result, `endpoints.${s2s.index}.tls.enabled`)).toBe(lineOf(file, "s2s_use_starttls: required"));
    expect(lineAt(result, `endpoints.${s2s.index}.tls.minVersion`)).toBe(lineOf(file, "s2s_protocol_options:"));
  });

  it("classifies HTTP request handlers: /admin is admin, /api is api, ACME is left out", () => {
    expect(endpoint(result, "http 5280 /admin").value).toMatchObject({ kind: "admin", url: "https://[::]:5280/admin", tls: { enabled: true } });
    expect(endpoint(result, "http 5443 /api").value).toMatchObject({ kind: "api", tls: { enabled: true } });
    expect(result.snapshot.endpoints?.some((e) => e.url?.includes("acme"))).toBe(false);
    expect(result.snapshot.endpoints?.some((e) => e.url?.includes("3478"))).toBe(false);
  });

  it("skips the empty admin the non-interactive install leaves", () => {
    expect(result.snapshot.users).toBeUndefined();
  });

  it("archives nothing and stores no uploads: mod_mam and mod_http_upload are commented out", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: true, maxAgeDays: 0 }, files: { enabled: true, maxAgeDays: 0 } });
    expect(lineAt(result, "retention.messages.enabled")).toBe(lineOf(file, "modules:"));
  });

  it("logs at info, which records logins", () => {
    expect(result.snapshot.audit?.logging?.enabled).toBe(true);
    expect(lineAt(result, "audit.logging.enabled")).toBe(lineOf(file, "loglevel: info"));
  });

  it("shows settings with macros resolved and without define_macro", () => {
    const settings = result.snapshot.settings as Record<string, unknown>;
    expect(settings.define_macro).toBeUndefined();
    expect(settings.c2s_protocol_options).toEqual(["no_sslv3", "no_tlsv1", "no_tlsv1_1", "cipher_server_preference", "no_compression"]);
    expect(settings.certfiles).toEqual(["/etc/ejabberd/ejabberd.pem"]);
  });
});

describe("ejabberd upstream example config", () => {
  const file = sample("ejabberd/upstream-example.ejabberd.yml");
  const result = run(ejabberdImporter, file);

  it("imports into a valid snapshot", () => expectValidSnapshot(result.snapshot));

  it("serves /admin over plain HTTP on 5280, located at that listener's port line", () => {
    const admin = endpoint(result, "http 5280 /admin");
    expect(admin.value).toMatchObject({ url: "http://[::]:5280/admin", kind: "admin", exposure: "public", tls: { enabled: false } });
    const portLine = lineOf(file, "port: 5280");
    expect(lineAt(result, `endpoints.${admin.index}.tls.enabled`)).toBe(portLine);
    expect(lineAt(result, `endpoints.${admin.index}.url`)).toBe(lineOf(file, "/admin: ejabberd_web_admin", portLine));
  });

  it("leaves server-to-server TLS optional and every TLS listener at TLS 1.0", () => {
    expect(endpoint(result, "s2s 5269").value.tls?.enabled).toBe(false);
    expect(endpoint(result, "c2s 5222").value.tls).toEqual({ enabled: true, minVersion: "1.0" });
  });

  it("archives every message forever (mod_mam default: always) and uploads without a quota module", () => {
    expect(result.snapshot.retention).toEqual({ messages: { enabled: false, maxAgeDays: null }, files: { enabled: false, maxAgeDays: null } });
    expect(lineAt(result, "retention.messages.enabled")).toBe(lineOf(file, "default: always"));
    expect(lineAt(result, "retention.files.enabled")).toBe(lineOf(file, "mod_http_upload:"));
  });
});

describe("ejabberd fixtures", () => {
  it("insecure: six admins, plaintext clients, SQL and LDAP, secrets redacted", () => {
    const file = fixture("ejabberd/ejabberd-insecure.ejabberd.yml");
    const result = run(ejabberdImporter, file);
    expectValidSnapshot(result.snapshot);
    expect(result.snapshot.users).toHaveLength(6);
    expect(result.snapshot.users?.[0]).toEqual({ id: "alice@xmpp-legacy.example.net", username: "alice@xmpp-legacy.example.net", roles: ["admin"], status: "active" });
    expect(lineAt(result, "users.5")).toBe(lineOf(file, "frank@xmpp-legacy.example.net"));
    // The admin ACL is not the list of accounts: shares of all accounts must not be read off it.
    expect(result.snapshot.metadata.usersListed).toBe("admins");
    expect(lineAt(result, "metadata.usersListed")).toBe(lineAt(result, "users.0"));
    expect(endpoint(result, "c2s 5222").value.tls?.enabled).toBe(false);
    expect(endpoint(result, "database").value).toMatchObject({ url: "postgres://db.example.org:5432/ejabberd", tls: { enabled: false } });
    expect(endpoint(result, "ldap").value).toMatchObject({ url: "ldap://ldap.example.org:389", tls: { enabled: false } });
    expect(result.snapshot.audit?.logging?.enabled).toBe(false);
    const text = JSON.stringify(result.snapshot);
    for (const secret of ["sql-pass-5b7d", "ldap-pass-9e1f", "upload-secret-3f5a", "room-pass-7c9e"]) expect(text).not.toContain(secret);
  });

  it("hardened: TLS 1.2 everywhere, admin on loopback, upload expiry, verified database", () => {
    const file = fixture("ejabberd/ejabberd-hardened.ejabberd.yml");
    const result = run(ejabberdImporter, file);
    expectValidSnapshot(result.snapshot);
    for (const e of result.snapshot.endpoints ?? []) expect(e.tls?.enabled, e.name).toBe(true);
    expect(endpoint(result, "http 5280 /admin").value.exposure).toBe("internal");
    expect(endpoint(result, "database").value).toMatchObject({ exposure: "internal", tls: { enabled: true, verifyCertificates: true } });
    expect(result.snapshot.retention?.files).toEqual({ enabled: true, maxAgeDays: 30 });
    expect(lineAt(result, "retention.files.maxAgeDays")).toBe(lineOf(file, "max_days: 30"));
    expect(result.snapshot.monitoring?.metrics?.enabled).toBe(true);
  });
});

describe("ejabberd details", () => {
  it("resolves a macro used as a host name", () => {
    const result = run(ejabberdImporter, fixture("ejabberd/ejabberd-insecure.ejabberd.yml"));
    expect((result.snapshot.settings as Record<string, unknown>).sql_server).toBe("db.example.org");
  });

  it("redacts a secret kept in a macro, whatever the macro is called", () => {
    const result = run(ejabberdImporter, inline("hosts: [x]\ndefine_macro:\n  'DB': \"macro-kept-secret\"\nsql_password: 'DB'\nlisten: []\n"));
    expect(JSON.stringify(result.snapshot)).not.toContain("macro-kept-secret");
  });

  it("reads admins in the older {name: server} form and per host", () => {
    const result = run(ejabberdImporter, inline("hosts: [a.example]\nlisten: []\nacl:\n  admin:\n    user:\n      - root: a.example\nhost_config:\n  b.example:\n    acl:\n      admin:\n        user: boss@b.example\n"));
    expect(result.snapshot.users?.map((u) => u.id)).toEqual(["root@a.example", "boss@b.example"]);
  });

  it("does not claim metrics without mod_stats: ejabberdctl stats works regardless", () => {
    expect(run(ejabberdImporter, inline("hosts: [x]\nlisten: []\n")).snapshot.monitoring).toBeUndefined();
  });

  it("refuses a listener without a port, at the listener", () => {
    const error = inputError(() => run(ejabberdImporter, inline("hosts: [x]\nlisten:\n  -\n    module: ejabberd_c2s\n")));
    expect(error.where?.line).toBe(4);
    expect(error.message).toBe("expected `listen.0.port` to be a port number, found nothing");
  });

  it("refuses broken YAML at its line", () => {
    expect(inputError(() => run(ejabberdImporter, inline("hosts: [x\nlisten: []\n"))).message).toMatch(/^expected an ejabberd\.yml/);
  });
});
