// The shared redaction: key-name rules, credentials inside URLs and DSNs, and canary secrets pushed through
// every importer, every users export and a manifest, which must come out without a trace of them.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMPORTERS, getImporter, importManifest } from "../../src/importers/index.js";
import { isSecretKeyName, maskCredentials, REDACTED, redactConfig, safeUrl } from "../../src/importers/redact.js";
import type { ImportResult, NativeFile } from "../../src/importers/types.js";
import { importUsersExport } from "../../src/importers/users.js";
import { COLLECTED_AT, expectValidSnapshot } from "./support.js";

describe("secret key names", () => {
  it.each([
    "SMTPPassword", "smtp_pass", "BindPassword", "PublicLinkSalt", "AmazonS3AccessKeyId", "AmazonS3SecretAccessKey", "DataSource",
    "DataSourceReplicas", "AtRestEncryptKey", "GiphySdkKey", "macaroon_secret_key", "registration_shared_secret", "form_secret",
    "client_secret", "dsn", "component_secret", "turn_external_secret", "sql_password", "FileUpload_json_web_token_secret_for_files",
    "api_token", "credentials", "passphrase",
  ])("%s is a secret", (name) => expect(isSecretKeyName(name)).toBe(true));

  it.each([
    "signing_key_path", "tls_private_key_path", "TLSKeyFile", "registration_shared_secret_path", "password_config", "PasswordSettings",
    "auth_password_format", "refresh_token_lifetime", "trusted_key_servers", "SMTPUsername", "SiteURL", "keyboard", "monkey",
  ])("%s is not a secret", (name) => expect(isSecretKeyName(name)).toBe(false));
});

describe("credentials inside values", () => {
  it.each([
    ["postgres://mmuser:mostest@localhost/db?sslmode=disable", "postgres://mmuser:***@localhost/db?sslmode=disable"],
    ["postgres://u:p@ss/w@host/db", "postgres://u:***@host/db"],
    ["mmuser:mostest@tcp(localhost:3306)/mattermost?charset=utf8mb4", "mmuser:***@tcp(localhost:3306)/mattermost?charset=utf8mb4"],
    ["mm:p@ss@tcp(db:3306)/x", "mm:***@tcp(db:3306)/x"],
    ["host=db user=x password='two words' dbname=y", "host=db user=x password=*** dbname=y"],
    ["https://hooks.example/x?token=abc&channel=1", "https://hooks.example/x?token=***&channel=1"],
    ["https://chat.example.org", "https://chat.example.org"],
  ])("%s becomes %s", (input, masked) => expect(maskCredentials(input)).toBe(masked));

  it("drops URL credentials from endpoint URLs entirely", () => {
    expect(safeUrl("https://elastic:changeme@search.example.org:9200/")).toBe("https://search.example.org:9200/");
  });
});

describe("redactConfig", () => {
  it("replaces secrets by name, keeps booleans and empty strings, judges mappings key by key", () => {
    const out = redactConfig({
      a: { password: "x", PasswordSettings: { MinimumLength: 8 }, AtRestEncryptKey: "", EnableX: true },
      n: { sql_password: 123456, listed: ["one", "two"] },
      url: "postgres://u:pw@h/db",
    }, { secrets: ["n.listed"] });
    expect(out).toEqual({
      a: { password: REDACTED, PasswordSettings: { MinimumLength: 8 }, AtRestEncryptKey: "", EnableX: true },
      n: { sql_password: REDACTED, listed: [REDACTED, REDACTED] },
      url: "postgres://u:***@h/db",
    });
  });

  it("redacts whole subtrees and spares declared file paths", () => {
    expect(redactConfig({ Plugins: { p: { url: "https://x", n: 3, on: true } }, ssl: { key: "/etc/k.key", password: "pw" } }, { secretTrees: ["Plugins"], notSecrets: ["ssl.key"] }))
      .toEqual({ Plugins: { p: { url: REDACTED, n: REDACTED, on: true } }, ssl: { key: "/etc/k.key", password: REDACTED } });
  });

  it("keeps a __proto__ key as data, without touching any prototype", () => {
    const input = JSON.parse('{"__proto__": {"polluted": "yes"}, "x": 1}') as unknown;
    const out = redactConfig(input) as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(out, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

// Every secret KEYS.md names, per platform, set to a canary value (and a few hidden inside URLs).
const CANARY = "CANARY";
const CANARY_CONFIGS: Record<string, NativeFile> = {
  mattermost: {
    path: "config.json",
    text: JSON.stringify({
      ServiceSettings: { SiteURL: "https://admin:CANARY-site@chat.example.org", SplitKey: "CANARY-split", GiphySdkKey: "CANARY-giphy", GoogleDeveloperKey: "CANARY-google-dev" },
      SqlSettings: {
        DataSource: "postgres://mmuser:CANARY-dsn@db.example.org/mattermost?sslmode=require",
        DataSourceReplicas: ["postgres://mmuser:CANARY-replica@db2.example.org/mattermost"],
        DataSourceSearchReplicas: ["mmuser:CANARY-search-replica@tcp(db3:3306)/mattermost"],
        ReplicaLagSettings: [{ DataSource: "postgres://mmuser:CANARY-lag@db4/mattermost", QueryAbsoluteLag: "select 1" }],
        AtRestEncryptKey: "CANARY-at-rest",
      },
      LdapSettings: { Enable: true, LdapServer: "ldap.example.org", BindPassword: "CANARY-ldap" },
      FileSettings: { DriverName: "amazons3", PublicLinkSalt: "CANARY-salt", AmazonS3AccessKeyId: "CANARY-s3-id", AmazonS3SecretAccessKey: "CANARY-s3", ExportAmazonS3AccessKeyId: "CANARY-export-id", ExportAmazonS3SecretAccessKey: "CANARY-export" },
      EmailSettings: { SMTPServer: "smtp.example.org", SMTPPassword: 8675309 },
      GitLabSettings: { Secret: "CANARY-gitlab" }, GoogleSettings: { Secret: "CANARY-google" }, Office365Settings: { Secret: "CANARY-o365" }, OpenIdSettings: { Secret: "CANARY-openid" },
      ElasticsearchSettings: { EnableIndexing: true, ConnectionURL: "https://elastic:CANARY-es-url@search.example.org:9200", Password: "CANARY-es" },
      MessageExportSettings: { GlobalRelaySettings: { SMTPPassword: "CANARY-relay" } },
      CacheSettings: { RedisPassword: "CANARY-redis" },
      PluginSettings: { Plugins: { "com.example.plugin": { webhook: "https://hooks.example.org/CANARY-plugin" } } },
    }, null, 2),
  },
  synapse: {
    path: "homeserver.yaml",
    text: [
      "server_name: example.org",
      "public_baseurl: https://user:CANARY-baseurl@matrix.example.org/",
      "macaroon_secret_key: CANARY-macaroon",
      "registration_shared_secret: CANARY-registration",
      "form_secret: CANARY-form",
      "turn_shared_secret: CANARY-turn-shared",
      "turn_password: CANARY-turn",
      "recaptcha_private_key: CANARY-recaptcha",
      "worker_replication_secret: CANARY-worker",
      "database: {name: psycopg2, args: {host: db.example.org, password: CANARY-db}}",
      "email: {smtp_host: smtp.example.org, smtp_pass: CANARY-smtp}",
      "oidc_providers: [{idp_id: corp, client_id: chat, client_secret: CANARY-oidc}]",
      "jwt_config: {enabled: true, secret: CANARY-jwt}",
      "redis: {enabled: true, password: CANARY-redis}",
      "matrix_authentication_service: {enabled: true, secret: CANARY-mas}",
      "manhole_settings: {password: CANARY-manhole}",
      "sentry: {dsn: 'https://key:CANARY-sentry@sentry.example.org/1'}",
      "listeners: [{port: 8008, type: http, resources: [{names: [client]}]}]",
    ].join("\n"),
  },
  rocketchat: {
    path: "settings.json",
    text: JSON.stringify({
      settings: [
        { _id: "Site_Url", value: "https://chat.example.org" },
        { _id: "SMTP_Host", value: "smtp.example.org" },
        { _id: "SMTP_Username", value: "CANARY-smtp-user", type: "string" },
        { _id: "SMTP_Password", value: "CANARY-smtp", type: "password" },
        { _id: "FileUpload_S3_AWSSecretAccessKey", value: "CANARY-s3", type: "password" },
        { _id: "FileUpload_S3_AWSAccessKeyId", value: "CANARY-s3-id", type: "string" },
        { _id: "FileUpload_GoogleStorage_Secret", value: "CANARY-gcs", type: "string" },
        { _id: "FileUpload_Webdav_Password", value: "CANARY-webdav", type: "password" },
        { _id: "Direct_Reply_Password", value: "CANARY-direct", type: "password" },
        { _id: "FileUpload_json_web_token_secret_for_files", value: "CANARY-jwt", type: "string" },
        { _id: "Some_Flagged_Setting", value: "CANARY-flagged", secret: true },
        { _id: "FileUpload_Storage_Type", value: "Webdav" },
        { _id: "FileUpload_Webdav_Server_URL", value: "https://dav:CANARY-dav-url@files.example.org/dav" },
        { _id: "Accounts_OAuth_Custom_Secret", value: "CANARY-oauth", processEnvValue: "CANARY-env" },
      ],
    }),
  },
  ejabberd: {
    path: "ejabberd.yml",
    text: [
      "hosts: [example.org]",
      "define_macro:",
      "  'PW': CANARY-macro",
      "sql_type: pgsql",
      "sql_server: db.example.org",
      "sql_password: 'PW'",
      "ldap_password: CANARY-ldap",
      "redis_password: CANARY-redis",
      "listen:",
      "  - port: 5347",
      "    module: ejabberd_service",
      "    hosts:",
      "      gateway.example.org:",
      "        password: CANARY-component",
      "modules:",
      "  mod_http_upload: {external_secret: CANARY-upload}",
      "  mod_stun_disco: {secret: CANARY-stun}",
      "  mod_muc: {default_room_options: {password: CANARY-room}}",
      "host_config:",
      "  other.example.org:",
      "    sql_password: CANARY-host-sql",
      "    modules:",
      "      mod_stun_disco: {secret: CANARY-host-stun}",
    ].join("\n"),
  },
  prosody: {
    path: "prosody.cfg.lua",
    text: [
      'sql = { driver = "PostgreSQL", password = "CANARY-sql", host = "db.example.org" }',
      'turn_external_secret = "CANARY-turn"',
      'http_file_share_secret = "CANARY-share"',
      'ldap_password = "CANARY-ldap"',
      'ssl = { key = "/etc/prosody/k.key", password = "CANARY-ssl" }',
      'VirtualHost "example.org"',
      '  ldap_password = "CANARY-host-ldap"',
      'Component "gateway.example.org"',
      '  component_secret = "CANARY-component"',
    ].join("\n"),
  },
};

function everythingOf(result: ImportResult): string {
  return JSON.stringify(result.snapshot) + JSON.stringify([...result.provenance]);
}

describe("canary secrets through every importer", () => {
  it("covers every platform", () => expect(Object.keys(CANARY_CONFIGS).sort()).toEqual(IMPORTERS.map((i) => i.platform).sort()));

  it.each(Object.keys(CANARY_CONFIGS))("%s: no canary in the snapshot or its provenance", (platform) => {
    const result = getImporter(platform)!.import(CANARY_CONFIGS[platform]!, { collectedAt: COLLECTED_AT });
    expectValidSnapshot(result.snapshot);
    const everything = everythingOf(result);
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain("8675309");
    // The settings are still there, only their secret values are gone.
    expect(JSON.stringify(result.snapshot.settings)).toContain(REDACTED);
  });

  it("users exports: fields that are not read never reach the snapshot", () => {
    const exports: NativeFile[] = [
      { path: "mm.json", text: JSON.stringify([{ id: "u1", username: "a", roles: "system_user", password: "CANARY-hash", auth_data: "CANARY-auth", props: { token: "CANARY-prop" } }]) },
      { path: "rc.json", text: JSON.stringify({ users: [{ _id: "u1", username: "a", roles: ["user"], services: { password: { bcrypt: "CANARY-bcrypt" }, resume: { loginTokens: [{ hashedToken: "CANARY-token" }] } } }] }) },
      { path: "syn.json", text: JSON.stringify({ users: [{ name: "@a:x", admin: false, threepids: [{ address: "CANARY@example.org" }] }] }) },
    ];
    for (const file of exports) expect(JSON.stringify(importUsersExport(file).users)).not.toContain(CANARY);
  });

  it("a manifest combining a config, a users export and facts leaks nothing either", () => {
    const dir = mkdtempSync(join(tmpdir(), "chataudit-canary-"));
    writeFileSync(join(dir, "config.json"), CANARY_CONFIGS.mattermost!.text);
    writeFileSync(join(dir, "users.json"), JSON.stringify([{ id: "u1", username: "a", roles: "system_admin", password: "CANARY-hash" }]));
    const manifest = "apiVersion: chataudit/v1\nkind: Deployment\nmetadata: {name: canary}\nconfig: config.json\nusers: users.json\n";
    const result = importManifest({ path: "deploy/manifest.yaml", text: manifest }, dir, { collectedAt: COLLECTED_AT });
    expect(everythingOf(result)).not.toContain(CANARY);
  });

  it("syntax errors near a secret do not quote it", () => {
    const broken: Record<string, NativeFile> = {
      mattermost: { path: "config.json", text: '{"SqlSettings": {"DataSource": "postgres://u:CANARY-dsn@h/db" "x": 1}}' },
      synapse: { path: "homeserver.yaml", text: "server_name: x\nform_secret: CANARY-form\n  bad: [" },
      ejabberd: { path: "ejabberd.yml", text: "hosts: [x]\nsql_password: CANARY-sql\nlisten: [\n" },
      prosody: { path: "prosody.cfg.lua", text: 'sql = { password = "CANARY-sql" "oops" = 1 }' },
      rocketchat: { path: "settings.json", text: '{"settings": [{"_id": "SMTP_Password", "value": "CANARY-smtp",, }]}' },
    };
    for (const [platform, file] of Object.entries(broken)) {
      let message = "";
      try {
        getImporter(platform)!.import(file, { collectedAt: COLLECTED_AT });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, platform).not.toBe("");
      expect(message, platform).not.toContain(CANARY);
    }
  });
});
