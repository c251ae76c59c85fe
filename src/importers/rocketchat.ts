// Rocket.Chat settings export (GET /api/v1/settings, or a mongoexport --jsonArray of rocketchat_settings)
// -> snapshot: site, SMTP, LDAP, storage and Prometheus endpoints, retention policy, update checker.

import { InputError } from "../errors.js";
import { SnapshotBuilder } from "./builder.js";
import { msToDays } from "./durations.js";
import { isRecord, nameFromPath, NativeReader, parseStructuredDocument, sniffStructured, type NativePath } from "./native.js";
import { endpointFromUrl, listenerUrl, parseUrl, targetExposure, urlHost } from "./network.js";
import { isSecretKeyName, redactConfig, type SecretRules } from "./redact.js";
import type { ImportOptions, ImportResult, Importer, NativeFile } from "./types.js";

/** KEYS.md: the server masks settings with secret: true or type "password"; these need it regardless. */
const ALWAYS_SECRET = [
  "SMTP_Password", "SMTP_Username", "FileUpload_S3_AWSSecretAccessKey", "FileUpload_S3_AWSAccessKeyId",
  "FileUpload_GoogleStorage_Secret", "FileUpload_Webdav_Password", "Direct_Reply_Password",
  "FileUpload_json_web_token_secret_for_files",
];

// Code defaults (apps/meteor/server/settings/*.ts packageValue), used when neither value nor packageValue is there.
const DEFAULTS: Record<string, unknown> = {
  Force_SSL: false,
  SMTP_Protocol: "smtp",
  SMTP_IgnoreTLS: true,
  Allow_Invalid_SelfSigned_Certs: false,
  FileUpload_Storage_Type: "GridFS",
  FileUpload_Webdav_Server_URL: "",
  RetentionPolicy_Enabled: false,
  RetentionPolicy_FilesOnly: false,
  Prometheus_Enabled: false,
  Prometheus_Port: 9458,
  Update_EnableChecker: true,
  Update_LatestAvailableVersion: "0.0.0",
  LDAP_Enable: false,
  LDAP_Port: 389,
  LDAP_Encryption: "plain",
  LDAP_Reject_Unauthorized: true,
};
const DEFAULT_RETENTION_TTL_MS = 2_592_000_000;
const ROOM_TYPES = ["Channels", "Groups", "DMs"] as const;

const EXPECTED = "a Rocket.Chat settings export (a JSON object with settings: [{_id, value}], as GET /api/v1/settings returns)";

/** The list of setting documents, wherever the export keeps it. */
function settingsList(root: unknown): { items: unknown[]; base: NativePath } | undefined {
  if (Array.isArray(root)) return { items: root, base: [] };
  if (isRecord(root) && Array.isArray(root.settings)) return { items: root.settings, base: ["settings"] };
  return undefined;
}

/**
 * Rocket.Chat's settings, as mongoexport writes the rocketchat_settings collection or /api/v1/settings answers: every
 * item a setting with a string _id and a value. Every MongoDB document has an _id, so _id alone claimed any export
 * (a users collection found in a scanned folder became a Rocket.Chat config); the value members tell settings apart.
 */
function detect(file: NativeFile): boolean {
  const list = settingsList(sniffStructured(file.text));
  return !!list && list.items.length > 0 && list.items.every((s) => isRecord(s) && typeof s._id === "string" && Object.hasOwn(s, "value"));
}

/** mongoexport's extended JSON ({"$date": ...}, {"$numberLong": ...}) as plain values. */
function plain(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const v = value[keys[0]!];
  if (keys[0] === "$date") return isRecord(v) ? plain(v) : typeof v === "number" ? new Date(v).toISOString() : v;
  if (["$numberLong", "$numberInt", "$numberDouble", "$numberDecimal"].includes(keys[0]!)) return Number(v);
  return value;
}

interface Setting {
  value: unknown;
  /** The `value` key when the export has one, else the setting's entry, else the list (a code default). */
  at: NativePath;
}

function importRocketChat(file: NativeFile, options: ImportOptions): ImportResult {
  const doc = parseStructuredDocument(file, EXPECTED);
  const list = settingsList(doc.root);
  if (!list) throw new InputError(`expected ${EXPECTED}, found ${Array.isArray(doc.root) ? "a list" : isRecord(doc.root) ? "a mapping without settings" : "a scalar"}`, { file: file.path, line: 1, column: 1 });
  const r: NativeReader = new NativeReader(doc);

  const byId = new Map<string, Setting>();
  const values: Record<string, unknown> = {};
  const secrets = new Set(ALWAYS_SECRET);
  list.items.forEach((item, i) => {
    const at = [...list.base, i];
    if (!isRecord(item) || typeof item._id !== "string") r.fail(at, "a setting object with _id and value");
    const id = item._id as string;
    const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(item, k);
    const value = plain(has("value") ? item.value : item.packageValue);
    byId.set(id, { value, at: has("value") ? [...at, "value"] : has("packageValue") ? [...at, "packageValue"] : at });
    if (item.secret === true || item.type === "password" || isSecretKeyName(id)) secrets.add(id);
    Object.defineProperty(values, id, { value, enumerable: true, writable: true, configurable: true });
  });
  const get = (id: string): Setting => byId.get(id) ?? { value: DEFAULTS[id], at: list.base };
  const read = new SettingReader(r, get);

  const site = read.str("Site_Url", "");
  const siteUrl = parseUrl(site);
  const b = new SnapshotBuilder(doc, "rocketchat", options, { value: siteUrl ? urlHost(siteUrl) : undefined, at: get("Site_Url").at }, nameFromPath(file.path));
  const verify = !read.bool("Allow_Invalid_SelfSigned_Certs");
  const verifyAt = get("Allow_Invalid_SelfSigned_Certs").at;

  const siteEndpoint = endpointFromUrl("site", "client", site, "served");
  if (siteEndpoint) b.endpoint(siteEndpoint, { self: get("Site_Url").at });

  const smtpHost = read.str("SMTP_Host", "");
  if (smtpHost) {
    const protocol = read.str("SMTP_Protocol", "smtp").toLowerCase();
    const ignoreTls = read.bool("SMTP_IgnoreTLS");
    const port = read.num("SMTP_Port");
    b.endpoint(
      {
        name: "smtp",
        url: listenerUrl(protocol === "smtps" ? "smtps" : "smtp", smtpHost, port),
        kind: "smtp",
        ...targetExposure(smtpHost),
        tls: { enabled: protocol === "smtps" || !ignoreTls, verifyCertificates: verify },
      },
      { self: get("SMTP_Host").at, tls: protocol === "smtps" ? get("SMTP_Protocol").at : get("SMTP_IgnoreTLS").at, verifyCertificates: verifyAt },
    );
  }

  if (read.bool("LDAP_Enable")) {
    const host = read.str("LDAP_Host", "localhost");
    const encryption = read.str("LDAP_Encryption", "plain").toLowerCase();
    b.endpoint(
      {
        name: "ldap",
        url: listenerUrl(encryption === "ssl" ? "ldaps" : "ldap", host, read.num("LDAP_Port")),
        kind: "ldap",
        ...targetExposure(host),
        tls: { enabled: encryption === "ssl" || encryption === "tls", verifyCertificates: read.bool("LDAP_Reject_Unauthorized") },
      },
      { self: get("LDAP_Enable").at, url: get("LDAP_Host").at, exposure: get("LDAP_Host").at, tls: get("LDAP_Encryption").at, verifyCertificates: get("LDAP_Reject_Unauthorized").at },
    );
  }

  storageEndpoint(read, b, get, verify, verifyAt);

  if (read.bool("Prometheus_Enabled")) {
    b.endpoint(
      // Which interface the exporter binds is the BIND_IP environment variable's business, not a setting's:
      // exposure is left unknown rather than guessed.
      { name: "metrics", url: listenerUrl("http", "0.0.0.0", read.num("Prometheus_Port"), "/metrics"), kind: "metrics", tls: { enabled: false } },
      { self: get("Prometheus_Enabled").at, url: get("Prometheus_Port").at },
    );
  }

  retention(read, b, get);

  b.set("software.product", "rocketchat", []);
  const latest = read.str("Update_LatestAvailableVersion", "0.0.0");
  if (latest && latest !== "0.0.0") b.set("software.latestVersion", latest, get("Update_LatestAvailableVersion").at);
  b.set("software.securityAlerts", read.bool("Update_EnableChecker"), get("Update_EnableChecker").at);
  b.set("monitoring.metrics.enabled", read.bool("Prometheus_Enabled"), get("Prometheus_Enabled").at);

  const rules: SecretRules = { secrets: [...secrets] };
  b.settings(redactConfig(values, rules) as Record<string, unknown>, ([id, ...rest]) => [...(byId.get(id!)?.at ?? list.base), ...rest]);
  return b.result();
}

/** Typed reads of settings by _id, failing at the setting's own line. */
class SettingReader {
  constructor(private readonly r: NativeReader, private readonly get: (id: string) => Setting) {}

  private checked<T>(id: string, test: (v: unknown) => T | undefined, expected: string): T {
    const { value, at } = this.get(id);
    const result = test(value ?? DEFAULTS[id]);
    if (result === undefined) this.r.fail(at, `${expected} for ${id}`);
    return result;
  }

  bool(id: string): boolean {
    return this.checked(id, (v) => (typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : undefined), "true or false");
  }

  str(id: string, fallback: string): string {
    return this.checked(id, (v) => (v === undefined || v === null ? fallback : typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined), "a string");
  }

  /** Undefined when neither the export nor the code defaults say (a port left to the protocol's own). */
  num(id: string): number | undefined {
    const value = this.get(id).value ?? DEFAULTS[id];
    if (value === undefined || value === "") return undefined;
    return this.checked(id, (v) => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined), "a number");
  }
}

function storageEndpoint(read: SettingReader, b: SnapshotBuilder, get: (id: string) => Setting, verify: boolean, verifyAt: NativePath): void {
  const type = read.str("FileUpload_Storage_Type", "GridFS");
  let url: string | undefined;
  let at = get("FileUpload_Storage_Type").at;
  if (type === "AmazonS3") {
    const bucketUrl = read.str("FileUpload_S3_BucketURL", "");
    const bucket = read.str("FileUpload_S3_Bucket", "");
    const region = read.str("FileUpload_S3_Region", "");
    url = bucketUrl || (bucket ? `https://s3.${region ? `${region}.` : ""}amazonaws.com/${bucket}` : undefined);
    if (bucketUrl) at = get("FileUpload_S3_BucketURL").at;
  } else if (type === "Webdav") {
    url = read.str("FileUpload_Webdav_Server_URL", "");
    at = get("FileUpload_Webdav_Server_URL").at;
  } else if (type === "GoogleCloudStorage") {
    const bucket = read.str("FileUpload_GoogleStorage_Bucket", "");
    url = bucket ? `https://storage.googleapis.com/${bucket}` : undefined;
  }
  const endpoint = endpointFromUrl("file storage", "storage", url, "target");
  if (!endpoint) return;
  endpoint.tls!.verifyCertificates = verify;
  b.endpoint(endpoint, { self: at, verifyCertificates: verifyAt });
}

/**
 * Messages are pruned only while the policy is on and applies to a room type; a room type it leaves out keeps
 * its messages forever, so the limit is the longest TTL only when all three types are covered. TTLs are the
 * newer RetentionPolicy_TTL_* (ms) or else the older RetentionPolicy_MaxAge_* (days). Files go with them,
 * and FilesOnly prunes files alone.
 */
function retention(read: SettingReader, b: SnapshotBuilder, get: (id: string) => Setting): void {
  const enabledAt = get("RetentionPolicy_Enabled").at;
  const enabled = read.bool("RetentionPolicy_Enabled");
  const covered = ROOM_TYPES.filter((t) => enabled && get(`RetentionPolicy_AppliesTo${t}`).value === true);
  const ttlDays = covered.map((t) => {
    const ttl = get(`RetentionPolicy_TTL_${t}`);
    if (typeof ttl.value === "number") return { days: msToDays(ttl.value), at: ttl.at };
    const maxAge = get(`RetentionPolicy_MaxAge_${t}`);
    if (typeof maxAge.value === "number") return { days: maxAge.value, at: maxAge.at };
    return { days: msToDays(DEFAULT_RETENTION_TTL_MS), at: get(`RetentionPolicy_AppliesTo${t}`).at };
  });
  const longest = ttlDays.reduce<{ days: number; at: NativePath } | undefined>((a, t) => (!a || t.days > a.days ? t : a), undefined);
  const allCovered = covered.length === ROOM_TYPES.length;
  const prunes = covered.length > 0;
  const filesOnly = read.bool("RetentionPolicy_FilesOnly");
  const rule = { enabled: prunes, maxAgeDays: prunes && allCovered ? longest!.days : null };
  const ruleAt = prunes && allCovered ? longest!.at : prunes ? get(`RetentionPolicy_AppliesTo${ROOM_TYPES.find((t) => !covered.includes(t))!}`).at : enabledAt;

  b.at("retention.messages", enabledAt);
  if (filesOnly) {
    b.set("retention.messages.enabled", false, get("RetentionPolicy_FilesOnly").at);
    b.set("retention.messages.maxAgeDays", null, get("RetentionPolicy_FilesOnly").at);
  } else {
    b.set("retention.messages.enabled", rule.enabled, enabledAt);
    b.set("retention.messages.maxAgeDays", rule.maxAgeDays, ruleAt);
  }
  b.at("retention.files", enabledAt);
  b.set("retention.files.enabled", rule.enabled, enabledAt);
  b.set("retention.files.maxAgeDays", rule.maxAgeDays, ruleAt);
}

export const rocketchatImporter: Importer = { platform: "rocketchat", detect, import: importRocketChat };
