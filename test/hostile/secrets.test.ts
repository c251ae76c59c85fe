// Canary secrets in every secret-bearing key of every platform's config (the keys ../shared/samples/KEYS.md lists,
// credentials inside URLs and DSNs, and keys that are secrets by their name), in users exports and in broken
// versions of the same files: none may reach a report of any format, stdout, stderr or `chataudit import`.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify as toYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../cli/run.js";
import { AS_OF, HOSTILE_POLICIES, policyYaml, scratch, strayStderr } from "./support.js";

/** Every canary is CANARY<number>, so a leak names the very key it came from. */
const CANARY = /CANARY\d+/g;
const planted = new Map<string, string>();
function canary(where: string): string {
  const value = `CANARY${planted.size + 1}`;
  planted.set(value, where);
  return value;
}

/** Canaries found in a text, with the key each was planted in. */
function leaks(text: string): string[] {
  return [...new Set(text.match(CANARY) ?? [])].map((c) => `${c} (${planted.get(c) ?? "?"})`);
}

// ---- the configs, one per platform, every secret key holding its own canary ----

function mattermostConfig(): Record<string, unknown> {
  const c = (key: string) => canary(`mattermost ${key}`);
  return {
    ServiceSettings: {
      SiteURL: `https://admin:${c("SiteURL password")}@chat.example.org`,
      ListenAddress: ":8065",
      SplitKey: c("SplitKey"),
      GiphySdkKey: c("GiphySdkKey"),
      GoogleDeveloperKey: c("GoogleDeveloperKey"),
      ConnectionSecurity: "",
    },
    SqlSettings: {
      DriverName: "postgres",
      DataSource: `postgres://mmuser:${c("DataSource")}@db.example.org:5432/mattermost?sslmode=disable`,
      DataSourceReplicas: [`host=db2.example.org user=mmuser password=${c("DataSourceReplicas libpq")} dbname=mattermost`],
      DataSourceSearchReplicas: [`mmuser:${c("DataSourceSearchReplicas mysql")}@tcp(db3.example.org:3306)/mattermost`],
      ReplicaLagSettings: [{ DataSource: `postgres://mmuser:${c("ReplicaLagSettings.DataSource")}@db4/mattermost`, QueryAbsoluteLag: "select 1" }],
      AtRestEncryptKey: c("AtRestEncryptKey"),
    },
    LdapSettings: { Enable: true, LdapServer: "ldap.example.org", ConnectionSecurity: "", BindUsername: "cn=bind", BindPassword: c("LdapSettings.BindPassword") },
    FileSettings: {
      DriverName: "amazons3",
      PublicLinkSalt: c("PublicLinkSalt"),
      AmazonS3AccessKeyId: c("AmazonS3AccessKeyId"),
      AmazonS3SecretAccessKey: c("AmazonS3SecretAccessKey"),
      ExportAmazonS3AccessKeyId: c("ExportAmazonS3AccessKeyId"),
      ExportAmazonS3SecretAccessKey: c("ExportAmazonS3SecretAccessKey"),
    },
    EmailSettings: { SMTPServer: "smtp.example.org", SMTPUsername: "mailer", SMTPPassword: c("SMTPPassword"), ConnectionSecurity: "" },
    GitLabSettings: { Enable: true, Secret: c("GitLabSettings.Secret") },
    GoogleSettings: { Secret: c("GoogleSettings.Secret") },
    Office365Settings: { Secret: c("Office365Settings.Secret") },
    OpenIdSettings: { Secret: c("OpenIdSettings.Secret") },
    ElasticsearchSettings: { EnableIndexing: true, ConnectionURL: `http://elastic:${c("ConnectionURL password")}@search.example.org:9200`, Password: c("Elasticsearch.Password") },
    MessageExportSettings: { GlobalRelaySettings: { SMTPPassword: c("GlobalRelaySettings.SMTPPassword") } },
    CacheSettings: { RedisAddress: "redis.example.org:6379", RedisPassword: c("RedisPassword") },
    PluginSettings: { Plugins: { "com.example.webhooks": { endpoint: `https://hooks.example.org/${c("plugin setting")}`, retries: 3 } } },
    // Names that say "secret" without being in any list.
    CustomIntegrationSettings: { api_token: c("generic api_token"), ClientSecret: c("generic ClientSecret"), db_password: c("generic db_password"), PrivateKey: c("generic PrivateKey") },
    MetricsSettings: { Enable: true, ListenAddress: ":8067" },
  };
}

function synapseConfig(): Record<string, unknown> {
  const c = (key: string) => canary(`synapse ${key}`);
  return {
    server_name: "matrix.example.org",
    public_baseurl: `https://bot:${c("public_baseurl password")}@matrix.example.org/`,
    listeners: [{ port: 8008, tls: false, type: "http", bind_addresses: ["0.0.0.0"], resources: [{ names: ["client", "federation"] }] }],
    macaroon_secret_key: c("macaroon_secret_key"),
    registration_shared_secret: c("registration_shared_secret"),
    form_secret: c("form_secret"),
    database: { name: "psycopg2", args: { user: "synapse", password: c("database.args.password"), host: "db.example.org", dsn: `postgresql://synapse:${c("database.args.dsn")}@db/synapse` } },
    email: { smtp_host: "smtp.example.org", smtp_user: "mailer", smtp_pass: c("email.smtp_pass") },
    turn_shared_secret: c("turn_shared_secret"),
    turn_password: c("turn_password"),
    recaptcha_private_key: c("recaptcha_private_key"),
    oidc_providers: [{ idp_id: "corp", client_id: "chat", client_secret: c("oidc_providers.client_secret") }],
    jwt_config: { enabled: true, secret: c("jwt_config.secret") },
    worker_replication_secret: c("worker_replication_secret"),
    redis: { enabled: true, host: "redis.example.org", password: c("redis.password") },
    matrix_authentication_service: { enabled: true, secret: c("matrix_authentication_service.secret") },
    manhole_settings: { password: c("manhole_settings.password") },
    sentry: { dsn: `https://public:${c("sentry.dsn")}@sentry.example.org/1` },
    modules: [{ module: "example.Module", config: { webhook_token: c("generic webhook_token"), apiKey: c("generic apiKey") } }],
    retention: { enabled: false },
    enable_metrics: true,
  };
}

function ejabberdConfig(): Record<string, unknown> {
  const c = (key: string) => canary(`ejabberd ${key}`);
  return {
    hosts: ["example.org"],
    define_macro: { DB_PASSWORD: c("macro used as sql_password") },
    sql_type: "pgsql",
    sql_server: "db.example.org",
    sql_password: "DB_PASSWORD",
    ldap_password: c("ldap_password"),
    redis_password: c("redis_password"),
    listen: [
      { port: 5222, module: "ejabberd_c2s", starttls_required: false },
      { port: 5280, module: "ejabberd_http", request_handlers: { "/admin": "ejabberd_web_admin" } },
      { port: 5347, module: "ejabberd_service", hosts: { "gateway.example.org": { password: c("ejabberd_service hosts password") } } },
    ],
    acl: { admin: { user: ["admin@example.org"] } },
    modules: {
      mod_http_upload: { external_secret: c("mod_http_upload.external_secret"), put_url: `https://upload:${c("put_url password")}@upload.example.org/` },
      mod_stun_disco: { secret: c("mod_stun_disco.secret") },
      mod_muc: { default_room_options: { password: c("mod_muc room password") } },
      mod_custom: { api_token: c("generic api_token") },
    },
    host_config: { "other.example.org": { sql_password: c("host_config sql_password"), modules: { mod_stun_disco: { secret: c("host_config mod_stun_disco.secret") } } } },
  };
}

function rocketchatSettings(): Record<string, unknown> {
  const c = (key: string) => canary(`rocketchat ${key}`);
  const setting = (_id: string, value: unknown, extra: Record<string, unknown> = {}) => ({ _id, value, ...extra });
  return {
    settings: [
      setting("Site_Url", `https://admin:${c("Site_Url password")}@chat.example.org`, { type: "string" }),
      setting("Force_SSL", false, { type: "boolean" }),
      setting("SMTP_Host", "smtp.example.org", { type: "string" }),
      setting("SMTP_Username", c("SMTP_Username"), { type: "string", secret: true }),
      setting("SMTP_Password", c("SMTP_Password"), { type: "password" }),
      setting("FileUpload_Storage_Type", "Webdav", { type: "select" }),
      setting("FileUpload_S3_AWSAccessKeyId", c("FileUpload_S3_AWSAccessKeyId"), { type: "string", secret: true }),
      setting("FileUpload_S3_AWSSecretAccessKey", c("FileUpload_S3_AWSSecretAccessKey"), { type: "password" }),
      setting("FileUpload_GoogleStorage_Secret", c("FileUpload_GoogleStorage_Secret"), { type: "string", secret: true }),
      setting("FileUpload_Webdav_Password", c("FileUpload_Webdav_Password"), { type: "password" }),
      setting("FileUpload_Webdav_Server_URL", `https://dav:${c("FileUpload_Webdav_Server_URL password")}@files.example.org/`, { type: "string" }),
      setting("Direct_Reply_Password", c("Direct_Reply_Password"), { type: "password" }),
      setting("FileUpload_json_web_token_secret_for_files", c("FileUpload_json_web_token_secret_for_files"), { type: "string" }),
      setting("Accounts_OAuth_Custom_Acme_secret", c("flagged secret"), { secret: true }),
      setting("Some_Password_Typed_Setting", c("type password"), { type: "password", packageValue: c("type password packageValue") }),
      setting("Log_Level", "2", { type: "select", processEnvValue: c("processEnvValue") }),
      setting("Custom_Integration_Token", c("generic token setting"), { type: "string" }),
      setting("Prometheus_Enabled", true, { type: "boolean" }),
    ],
  };
}

function prosodyConfig(): string {
  const c = (key: string) => canary(`prosody ${key}`);
  return [
    'admins = { "admin@example.org" }',
    "c2s_require_encryption = false",
    `sql = { driver = "PostgreSQL", database = "prosody", username = "prosody", password = "${c("sql.password")}", host = "db.example.org" }`,
    `turn_external_secret = "${c("turn_external_secret")}"`,
    `http_file_share_secret = "${c("http_file_share_secret")}"`,
    `ldap_password = "${c("ldap_password")}"`,
    `ssl = { key = "/etc/prosody/certs/example.key", certificate = "/etc/prosody/certs/example.crt", password = "${c("ssl.password")}" }`,
    `oauth_client_secret = "${c("generic oauth_client_secret")}"`,
    'VirtualHost "example.org"',
    `  ldap_password = "${c("VirtualHost ldap_password")}"`,
    'Component "gateway.example.org"',
    `  component_secret = "${c("component_secret")}"`,
  ].join("\n");
}

function usersExport(): unknown[] {
  const c = (key: string) => canary(`users export ${key}`);
  return [
    { id: "u1", username: "alice", roles: "system_user system_admin", delete_at: 0, mfa_active: false, password: c("password hash"), auth_data: c("auth_data"), props: { token: c("props.token") } },
    { id: "u2", username: "bob", roles: "system_user", delete_at: 0, mfa_active: true, last_password_update: 1, mfa_secret: c("mfa_secret") },
  ];
}

// ---- the scan ----

let dir: string;
let remove: () => void;
const files: Record<string, string> = {};
/** Everything the scan runs wrote: report files, stdout and stderr of each run. */
const outputs: { what: string; text: string }[] = [];

/** A policy that puts each snapshot's whole `settings` (the redacted native config) in a finding's evidence. */
const DUMP_SETTINGS = policyYaml("CA-HST-300", `assert: { "!": { var: settings } }\nmessage: "settings {{settings}} endpoints {{#each endpoints}}{{url}} {{/each}}"`);

beforeAll(async () => {
  ({ dir, remove } = scratch("hostile-secrets"));
  const input = join(dir, "configs");
  mkdirSync(input);
  const write = (name: string, text: string) => {
    files[name] = join(input, name);
    writeFileSync(files[name]!, text);
  };
  write("mattermost.config.json", JSON.stringify(mattermostConfig(), null, 2));
  write("homeserver.yaml", toYaml(synapseConfig()));
  write("ejabberd.yml", toYaml(ejabberdConfig()));
  write("rocketchat.settings.json", JSON.stringify(rocketchatSettings(), null, 2));
  write("prosody.cfg.lua", prosodyConfig());
  write("mattermost-users.json", JSON.stringify(usersExport(), null, 2));
  write(
    "deployment.yaml",
    toYaml({ apiVersion: "chataudit/v1", kind: "Deployment", metadata: { name: "canary-deployment" }, platform: "mattermost", config: "mattermost.config.json", users: "mattermost-users.json" }),
  );
  const policies = join(dir, "policies");
  mkdirSync(policies);
  writeFileSync(join(policies, "dump.yaml"), DUMP_SETTINGS);

  const out = join(dir, "out");
  const common = ["--policies", policies, "--output", out, "--as-of", AS_OF, "--no-config", "--fail-on", "none"];
  const all = await cli("scan", input, ...common, "--format", "json,sarif,html,junit,markdown,csv,console");
  expect(strayStderr(all.stderr)).toEqual([]);
  expect(all.code).toBe(0);
  outputs.push({ what: "scan stdout", text: all.stdout }, { what: "scan stderr", text: all.stderr });
  for (const name of readdirSync(out)) outputs.push({ what: `report ${name}`, text: readFileSync(join(out, name), "utf8") });
  const github = await cli("scan", input, ...common, "--format", "github");
  outputs.push({ what: "github annotations", text: github.stdout + github.stderr });
});
afterAll(() => remove());

describe("canary secrets in every platform's config", () => {
  it("planted a canary in every secret KEYS.md lists, and the scan read every config", () => {
    expect(planted.size).toBeGreaterThan(80);
    const report = JSON.parse(outputs.find((o) => o.what === "report chataudit.json")!.text) as { inputs: { path: string; status: string; platform: string }[] };
    expect(report.inputs.filter((i) => i.status === "ok").map((i) => i.platform).sort()).toEqual(["ejabberd", "mattermost", "mattermost", "prosody", "rocketchat", "synapse"]);
  });

  it("reaches no report of any format, and neither stdout nor stderr", () => {
    expect(outputs.length).toBeGreaterThanOrEqual(9);
    for (const { what, text } of outputs) expect(leaks(text), what).toEqual([]);
    // The settings really are in the evidence, their secrets replaced: what was checked is not an empty report.
    expect(outputs.find((o) => o.what === "report chataudit.json")!.text).toContain("[REDACTED]");
  });

  it("reaches no `chataudit import` output", async () => {
    for (const [platform, file] of [
      ["mattermost", "mattermost.config.json"], ["synapse", "homeserver.yaml"], ["ejabberd", "ejabberd.yml"],
      ["rocketchat", "rocketchat.settings.json"], ["prosody", "prosody.cfg.lua"],
    ] as const) {
      const result = await cli("import", platform, files[file]!, "--as-of", AS_OF);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("[REDACTED]");
      expect(leaks(result.stdout + result.stderr), platform).toEqual([]);
    }
  });
});

describe("canary secrets in broken configs", () => {
  /** Each config broken right at a secret: a syntax error, an unquoted value YAML reads as an alias, a tag or a directive. */
  const broken: [platform: string, name: string, text: () => string][] = [
    ["mattermost", "unquoted.json", () => `{"SqlSettings": {"DataSource": ${canary("broken json unquoted")}}}`],
    ["mattermost", "missing-comma.json", () => `{"SqlSettings": {"DataSource": "postgres://u:${canary("broken json comma")}@h/db" "DriverName": "postgres"}}`],
    ["mattermost", "truncated.json", () => `{"EmailSettings": {"SMTPPassword": "${canary("broken json truncated")}`],
    ["mattermost", "control.json", () => `{"EmailSettings": {"SMTPPassword": "${canary("broken json control char")}\u0001"}}`],
    ["synapse", "alias.yaml", () => `server_name: x\nlisteners: []\nform_secret: *${canary("yaml alias")}\n`],
    ["synapse", "tag.yaml", () => `server_name: x\nlisteners: []\nform_secret: !${canary("yaml tag")} value\n`],
    ["synapse", "directive.yaml", () => `%${canary("yaml directive")} x\n---\nserver_name: x\n`],
    ["synapse", "escape.yaml", () => `server_name: x\nlisteners: []\nform_secret: "\\q${canary("yaml escape")}"\n`],
    ["synapse", "reserved.yaml", () => `server_name: x\nlisteners: []\nform_secret: @${canary("yaml reserved at")}\n`],
    ["synapse", "indent.yaml", () => `server_name: x\nlisteners: []\nemail:\n  smtp_pass: ${canary("yaml indent")}\n    smtp_host: h\n`],
    ["synapse", "duplicate.yaml", () => `server_name: x\nlisteners: []\nform_secret: ${canary("yaml duplicate first")}\nform_secret: ${canary("yaml duplicate second")}\n`],
    ["ejabberd", "flow.yml", () => `hosts: [x]\nsql_password: ${canary("ejabberd flow")}, ]\nlisten: [\n`],
    ["ejabberd", "anchor.yml", () => `hosts: [x]\nsql_password: &${canary("ejabberd anchor")}\nlisten: []\n`],
    ["rocketchat", "settings.json", () => `{"settings": [{"_id": "SMTP_Password", "value": "${canary("rocketchat double comma")}",, "type": "password"}]}`],
    ["prosody", "strings.cfg.lua", () => `ldap_password = "${canary("lua first string")}" "${canary("lua second string")}"\n`],
    ["prosody", "label.cfg.lua", () => `goto ${canary("lua goto label")}\n`],
    ["prosody", "unfinished.cfg.lua", () => `sql = { password = "${canary("lua unfinished string")}\n`],
    ["prosody", "long.cfg.lua", () => `component_secret = [[${canary("lua long string")}\n`],
  ];

  it.each(broken)("%s %s: quotes no secret, in scan and import alike, and an error names the file", async (platform, name, text) => {
    const path = join(dir, `broken-${platform}-${name}`);
    writeFileSync(path, text());
    const out = join(dir, "broken-out");
    // The bundled pack's messages met the canaries above; here the two corpus policies load faster.
    const light = ["--no-builtin", "--policies", HOSTILE_POLICIES, "--no-config", "--as-of", AS_OF];
    for (const args of [
      ["scan", path, "--output", out, "--format", "json,console,markdown,junit", ...light],
      ["scan", path, "--output", out, "--format", "json", "--platform", platform, ...light],
      ["import", platform, path, "--as-of", AS_OF],
    ]) {
      const result = await cli(...args);
      const reports = args[0] === "scan" ? readdirSync(out).map((f) => readFileSync(join(out, f), "utf8")).join("\n") : "";
      expect(leaks(result.stdout + result.stderr + reports), args.join(" ")).toEqual([]);
      // YAML reads some of these after all (an unknown tag or directive is a warning, `{a: b}` is a flow mapping):
      // then the value is imported and redacted like any other. Either way the run ends as documented.
      expect([0, 1, 2], `${args.join(" ")}\n${result.stderr}`).toContain(result.code);
      expect(strayStderr(result.stderr), args.join(" ")).toEqual([]);
      if (result.code === 2) expect(result.stderr, args.join(" ")).toMatch(new RegExp(`^chataudit: error: .*broken-${platform}-${name.replace(".", "\\.")}`, "m"));
    }
  });
});
