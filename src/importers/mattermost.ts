// Mattermost config.json -> snapshot: the site, SMTP, LDAP, database, search, storage, push and metrics
// connections, retention, audit and metrics switches, with Mattermost's code defaults for absent keys.

import { InputError } from "../errors.js";
import { SnapshotBuilder } from "./builder.js";
import { hoursToDays } from "./durations.js";
import { isRecord, nameFromPath, NativeReader, parseStructuredDocument, sniffStructured, type NativePath } from "./native.js";
import { endpointFromUrl, exposureOfHost, isWildcardHost, listenerUrl, normalizeTlsVersion, parseDatabaseDsn, parseUrl, splitHostPort, targetExposure, urlHost } from "./network.js";
import { redactConfig, type SecretRules } from "./redact.js";
import type { ImportOptions, ImportResult, Importer, NativeFile } from "./types.js";

/** KEYS.md: what Mattermost's own Sanitize() masks, plus the keys it forgets. */
export const MATTERMOST_SECRETS: SecretRules = {
  secrets: [
    "LdapSettings.BindPassword",
    "FileSettings.PublicLinkSalt",
    "FileSettings.AmazonS3SecretAccessKey",
    "FileSettings.AmazonS3AccessKeyId",
    "FileSettings.ExportAmazonS3SecretAccessKey",
    "FileSettings.ExportAmazonS3AccessKeyId",
    "EmailSettings.SMTPPassword",
    "GitLabSettings.Secret",
    "GoogleSettings.Secret",
    "Office365Settings.Secret",
    "OpenIdSettings.Secret",
    "SqlSettings.DataSource",
    "SqlSettings.DataSourceReplicas",
    "SqlSettings.DataSourceSearchReplicas",
    "SqlSettings.ReplicaLagSettings.*.DataSource",
    "SqlSettings.AtRestEncryptKey",
    "ElasticsearchSettings.Password",
    "MessageExportSettings.GlobalRelaySettings.SMTPPassword",
    "ServiceSettings.SplitKey",
    "ServiceSettings.GiphySdkKey",
    "ServiceSettings.GoogleDeveloperKey",
    "CacheSettings.RedisPassword",
  ],
  secretTrees: ["PluginSettings.Plugins"],
};

// Code defaults (server/public/model/config.go SetDefaults) for the keys the snapshot is derived from.
const DEFAULT_LISTEN = ":8065";
const DEFAULT_METRICS_LISTEN = ":8067";
const DEFAULT_TLS_MIN = "1.2";
const DEFAULT_SMTP_SERVER = "localhost";
const DEFAULT_SMTP_PORT = "10025";
const DEFAULT_LDAP_PORT = 389;
/** The DSN SetDefaults writes; read for its host and sslmode only, like any other DSN. */
const DEFAULT_DATA_SOURCE = "postgres://mmuser:mostest@localhost/mattermost_test?sslmode=disable&connect_timeout=10&binary_parameters=yes";
const DEFAULT_ELASTICSEARCH_URL = "http://localhost:9200";
const DEFAULT_S3_ENDPOINT = "s3.amazonaws.com";
const DEFAULT_PUSH_SERVER = "https://push-test.mattermost.com";
const DEFAULT_RETENTION_DAYS = 365;

const SECTIONS = ["ServiceSettings", "SqlSettings", "EmailSettings", "LdapSettings", "FileSettings", "DataRetentionSettings", "MetricsSettings", "ComplianceSettings", "ExperimentalAuditSettings", "ElasticsearchSettings", "LogSettings", "MessageExportSettings"];

const EXPECTED = "a Mattermost config.json (a JSON object of sections such as ServiceSettings and SqlSettings)";

function detect(file: NativeFile): boolean {
  const value = sniffStructured(file.text);
  return isRecord(value) && (isRecord(value.ServiceSettings) || isRecord(value.SqlSettings)) && value.kind === undefined;
}

function importMattermost(file: NativeFile, options: ImportOptions): ImportResult {
  const doc = parseStructuredDocument(file, EXPECTED);
  if (!isRecord(doc.root)) throw new InputError(`expected ${EXPECTED}, found ${Array.isArray(doc.root) ? "a list" : "a scalar"}`, { file: file.path, line: 1, column: 1 });
  const r: NativeReader = new NativeReader(doc);
  for (const section of SECTIONS) r.map([section]);

  const siteUrlPath = ["ServiceSettings", "SiteURL"];
  const siteUrl = r.str(siteUrlPath, "");
  const site = parseUrl(siteUrl);
  const b = new SnapshotBuilder(doc, "mattermost", options, { value: site ? urlHost(site) : undefined, at: siteUrlPath }, nameFromPath(file.path));

  siteEndpoint(r, b, siteUrl);
  metricsEndpoint(r, b);
  smtpEndpoint(r, b);
  ldapEndpoint(r, b);
  databaseEndpoints(r, b);
  searchEndpoint(r, b);
  storageEndpoint(r, b);
  pushEndpoint(r, b);
  retention(r, b);

  b.set("software.product", "mattermost", []);
  b.set("software.securityAlerts", r.bool(["ServiceSettings", "EnableSecurityFixAlert"], true), ["ServiceSettings", "EnableSecurityFixAlert"]);
  b.set("monitoring.metrics.enabled", r.bool(["MetricsSettings", "Enable"], false), ["MetricsSettings", "Enable"]);

  const auditFile = r.bool(["ExperimentalAuditSettings", "FileEnabled"], false);
  const compliance = r.bool(["ComplianceSettings", "Enable"], false);
  b.set("audit.logging.enabled", auditFile || compliance, auditFile || !compliance ? ["ExperimentalAuditSettings", "FileEnabled"] : ["ComplianceSettings", "Enable"]);

  // The key is secret; only whether one is set matters (an empty key is replaced by a random one at start).
  b.set("encryption.atRest.database", r.str(["SqlSettings", "AtRestEncryptKey"], "") !== "", ["SqlSettings", "AtRestEncryptKey"]);
  if (r.str(["FileSettings", "DriverName"], "local") === "amazons3") {
    b.set("encryption.atRest.files", r.bool(["FileSettings", "AmazonS3SSE"], false), ["FileSettings", "AmazonS3SSE"]);
  }

  b.settings(redactConfig(doc.root, MATTERMOST_SECRETS) as Record<string, unknown>);
  return b.result();
}

function siteEndpoint(r: NativeReader, b: SnapshotBuilder, siteUrl: string): void {
  const listenPath = ["ServiceSettings", "ListenAddress"];
  const listen = splitHostPort(r.str(listenPath, DEFAULT_LISTEN));
  const securityPath = ["ServiceSettings", "ConnectionSecurity"];
  const servesTls = r.str(securityPath, "").toUpperCase() === "TLS";
  const minVersionPath = ["ServiceSettings", "TLSMinVer"];
  const fromSite = siteUrl ? endpointFromUrl("site", "client", siteUrl, "served") : undefined;
  const listenPublic = isWildcardHost(listen.host) || exposureOfHost(listen.host) === "public";
  b.endpoint(
    {
      name: "site",
      url: fromSite?.url ?? listenerUrl(servesTls ? "https" : "http", listen.host, listen.port),
      kind: "client",
      // Reachable from outside when the server listens on every interface, whatever the site URL says.
      exposure: listenPublic || fromSite?.exposure === "public" ? "public" : "internal",
      tls: {
        // The site URL is what browsers use: https there means TLS, whether Mattermost or a proxy ends it.
        enabled: fromSite ? fromSite.tls!.enabled! : servesTls,
        ...(servesTls ? { minVersion: normalizeTlsVersion(r.str(minVersionPath, DEFAULT_TLS_MIN)) ?? "1.0" } : {}),
      },
    },
    {
      self: fromSite ? ["ServiceSettings", "SiteURL"] : listenPath,
      url: fromSite ? ["ServiceSettings", "SiteURL"] : listenPath,
      exposure: listenPublic || !fromSite ? listenPath : ["ServiceSettings", "SiteURL"],
      tls: fromSite ? ["ServiceSettings", "SiteURL"] : securityPath,
      minVersion: minVersionPath,
    },
  );
}

function metricsEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  if (!r.bool(["MetricsSettings", "Enable"], false)) return;
  const listenPath = ["MetricsSettings", "ListenAddress"];
  const listen = splitHostPort(r.str(listenPath, DEFAULT_METRICS_LISTEN));
  b.endpoint(
    { name: "metrics", url: listenerUrl("http", listen.host, listen.port ?? 8067, "/metrics"), kind: "metrics", exposure: exposureOfHost(listen.host), tls: { enabled: false } },
    { self: ["MetricsSettings", "Enable"], url: listenPath, exposure: listenPath },
  );
}

/** "TLS" and "STARTTLS" encrypt; "" (and "PLAIN", which SetDefaults rewrites to "") do not. */
function connectionEncrypted(security: string): boolean {
  const s = security.toUpperCase();
  return s === "TLS" || s === "STARTTLS";
}

function smtpEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  const explicitServer = r.str(["EmailSettings", "SMTPServer"], "");
  if (!r.bool(["EmailSettings", "SendEmailNotifications"], true) && !explicitServer) return;
  const host = explicitServer || DEFAULT_SMTP_SERVER;
  const port = r.str(["EmailSettings", "SMTPPort"], "") || DEFAULT_SMTP_PORT;
  const securityPath = ["EmailSettings", "ConnectionSecurity"];
  const security = r.str(securityPath, "");
  const skipVerifyPath = ["EmailSettings", "SkipServerCertificateVerification"];
  b.endpoint(
    {
      name: "smtp",
      url: listenerUrl(security.toUpperCase() === "TLS" ? "smtps" : "smtp", host, port),
      kind: "smtp",
      ...targetExposure(host),
      tls: { enabled: connectionEncrypted(security), verifyCertificates: !r.bool(skipVerifyPath, false) },
    },
    { self: r.has(["EmailSettings", "SMTPServer"]) ? ["EmailSettings", "SMTPServer"] : ["EmailSettings"], tls: securityPath, verifyCertificates: skipVerifyPath },
  );
}

function ldapEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  if (!r.bool(["LdapSettings", "Enable"], false) && !r.bool(["LdapSettings", "EnableSync"], false)) return;
  const serverPath = ["LdapSettings", "LdapServer"];
  const host = r.str(serverPath, "");
  const securityPath = ["LdapSettings", "ConnectionSecurity"];
  const security = r.str(securityPath, "");
  const skipVerifyPath = ["LdapSettings", "SkipCertificateVerification"];
  b.endpoint(
    {
      name: "ldap",
      url: listenerUrl(security.toUpperCase() === "TLS" ? "ldaps" : "ldap", host || "localhost", r.num(["LdapSettings", "LdapPort"], DEFAULT_LDAP_PORT)),
      kind: "ldap",
      ...targetExposure(host || "localhost"),
      tls: { enabled: connectionEncrypted(security), verifyCertificates: !r.bool(skipVerifyPath, false) },
    },
    { self: ["LdapSettings", "Enable"], url: serverPath, exposure: serverPath, tls: securityPath, verifyCertificates: skipVerifyPath },
  );
}

/** The primary DSN and its replicas, each read for host and TLS mode before the DSN is redacted. */
function databaseEndpoints(r: NativeReader, b: SnapshotBuilder): void {
  const add = (name: string, dsn: string, at: NativePath): void => {
    const target = parseDatabaseDsn(dsn);
    if (!target) return;
    b.endpoint({ name, url: target.url, kind: "database", ...targetExposure(target.host), tls: target.tls }, { self: at });
  };
  const dsnPath = ["SqlSettings", "DataSource"];
  add("database", r.str(dsnPath, "") || DEFAULT_DATA_SOURCE, dsnPath);
  for (const key of ["DataSourceReplicas", "DataSourceSearchReplicas"]) {
    r.strings(["SqlSettings", key]).forEach((dsn, i) => add(`database ${key === "DataSourceReplicas" ? "replica" : "search replica"} ${i + 1}`, dsn, ["SqlSettings", key, i]));
  }
}

function searchEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  if (!r.bool(["ElasticsearchSettings", "EnableIndexing"], false)) return;
  const urlPath = ["ElasticsearchSettings", "ConnectionURL"];
  const endpoint = endpointFromUrl("search", "search", r.str(urlPath, "") || DEFAULT_ELASTICSEARCH_URL, "target");
  if (!endpoint) return;
  const skipPath = ["ElasticsearchSettings", "SkipTLSVerification"];
  endpoint.tls!.verifyCertificates = !r.bool(skipPath, false);
  b.endpoint(endpoint, { self: urlPath, verifyCertificates: skipPath });
}

function storageEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  const driverPath = ["FileSettings", "DriverName"];
  if (r.str(driverPath, "local") !== "amazons3") return;
  const endpointPath = ["FileSettings", "AmazonS3Endpoint"];
  const sslPath = ["FileSettings", "AmazonS3SSL"];
  const ssl = r.bool(sslPath, true);
  const host = splitHostPort(r.str(endpointPath, "") || DEFAULT_S3_ENDPOINT);
  const bucket = r.str(["FileSettings", "AmazonS3Bucket"], "");
  b.endpoint(
    { name: "file storage", url: listenerUrl(ssl ? "https" : "http", host.host, host.port, bucket ? `/${bucket}` : ""), kind: "storage", ...targetExposure(host.host), tls: { enabled: ssl } },
    { self: driverPath, url: endpointPath, exposure: endpointPath, tls: sslPath },
  );
}

function pushEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  if (!r.bool(["EmailSettings", "SendPushNotifications"], true)) return;
  const serverPath = ["EmailSettings", "PushNotificationServer"];
  const endpoint = endpointFromUrl("push notifications", "push", r.str(serverPath, DEFAULT_PUSH_SERVER), "target");
  if (endpoint) b.endpoint(endpoint, { self: serverPath });
}

/** Hours win when above 0, else days; only while deletion is enabled, otherwise kept forever (null). */
function retention(r: NativeReader, b: SnapshotBuilder): void {
  const section = "DataRetentionSettings";
  for (const [target, kind] of [["messages", "Message"], ["files", "File"]] as const) {
    const enabledPath = [section, `Enable${kind}Deletion`];
    const hoursPath = [section, `${kind}RetentionHours`];
    const daysPath = [section, `${kind}RetentionDays`];
    const enabled = r.bool(enabledPath, false);
    b.at(`retention.${target}`, enabledPath);
    b.set(`retention.${target}.enabled`, enabled, enabledPath);
    const hours = r.num(hoursPath, 0);
    if (!enabled) b.set(`retention.${target}.maxAgeDays`, null, enabledPath);
    else if (hours > 0) b.set(`retention.${target}.maxAgeDays`, hoursToDays(hours), hoursPath);
    else b.set(`retention.${target}.maxAgeDays`, r.num(daysPath, DEFAULT_RETENTION_DAYS), daysPath);
  }
  const auditPath = ["ExperimentalAuditSettings", "FileEnabled"];
  if (r.bool(auditPath, false)) {
    const maxAgePath = ["ExperimentalAuditSettings", "FileMaxAgeDays"];
    const maxAge = r.num(maxAgePath, 0);
    // 0 means no limit: audit files are never deleted.
    b.set("retention.auditLogs.maxAgeDays", maxAge > 0 ? maxAge : null, maxAgePath);
  }
}

export const mattermostImporter: Importer = { platform: "mattermost", detect, import: importMattermost };
