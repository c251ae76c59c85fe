// Matrix Synapse homeserver.yaml -> snapshot: listeners with their TLS and bind addresses, outbound
// federation TLS, email, database and Redis connections, retention durations, metrics and logging.

import { InputError } from "../errors.js";
import type { EndpointKind } from "../snapshot/types.js";
import { SnapshotBuilder } from "./builder.js";
import { synapseDurationDays } from "./durations.js";
import { isRecord, nameFromPath, NativeReader, parseStructuredDocument, sniffStructured, type NativePath } from "./native.js";
import { endpointFromUrl, exposureOfHosts, listenerUrl, normalizeTlsVersion, postgresSslmodeTls, representativeHost, targetExposure } from "./network.js";
import { redactConfig, type SecretRules } from "./redact.js";
import type { ImportOptions, ImportResult, Importer, NativeFile } from "./types.js";

/** KEYS.md's Synapse secrets; the `*_path` variants are file names and stay readable. */
export const SYNAPSE_SECRETS: SecretRules = {
  secrets: [
    "macaroon_secret_key", "registration_shared_secret", "form_secret", "database.args.password", "email.smtp_pass",
    "turn_shared_secret", "turn_password", "recaptcha_private_key", "oidc_providers.*.client_secret", "jwt_config.secret",
    "worker_replication_secret", "redis.password", "matrix_authentication_service.secret", "manhole_settings.password",
    "sentry.dsn",
  ],
};

// Code defaults (synapse/config/server.py, federation.py, metrics.py, emailconfig.py, redis.py).
/** Absent bind_addresses mean "all local interfaces". */
const DEFAULT_BIND_ADDRESSES = ["::", "0.0.0.0"];
const DEFAULT_FEDERATION_MIN_TLS = "1";
const DEFAULT_SMTP_HOST = "localhost";
const DEFAULT_SMTP_PORT = 25;

const EXPECTED = "a Synapse homeserver.yaml (a YAML mapping with server_name and listeners)";

/** Resource names of an http listener grouped into endpoint kinds, each with the path it serves. */
const RESOURCE_KINDS: Record<string, { kind: EndpointKind; path: string }> = {
  client: { kind: "client", path: "/_matrix/client" },
  media: { kind: "client", path: "/_matrix/client" },
  static: { kind: "client", path: "/_matrix/client" },
  keys: { kind: "client", path: "/_matrix/client" },
  openid: { kind: "client", path: "/_matrix/client" },
  health: { kind: "client", path: "/_matrix/client" },
  consent: { kind: "client", path: "/_matrix/client" },
  federation: { kind: "federation", path: "/_matrix/federation" },
  metrics: { kind: "metrics", path: "/_synapse/metrics" },
  replication: { kind: "api", path: "/_synapse/replication" },
};

function detect(file: NativeFile): boolean {
  const v = sniffStructured(file.text);
  if (!isRecord(v) || v.kind !== undefined || v.listen !== undefined) return false;
  if (Array.isArray(v.listeners)) return true;
  return typeof v.server_name === "string" && ["pid_file", "signing_key_path", "database", "report_stats", "media_store_path"].some((k) => k in v);
}

function importSynapse(file: NativeFile, options: ImportOptions): ImportResult {
  const doc = parseStructuredDocument(file, EXPECTED);
  if (!isRecord(doc.root)) throw new InputError(`expected ${EXPECTED}, found ${Array.isArray(doc.root) ? "a list" : "a scalar"}`, { file: file.path, line: 1, column: 1 });
  const r: NativeReader = new NativeReader(doc);
  const serverName = r.str(["server_name"]);
  const b = new SnapshotBuilder(doc, "synapse", options, { value: serverName, at: ["server_name"] }, nameFromPath(file.path));

  listenerEndpoints(r, b);
  const baseUrlPath = ["public_baseurl"];
  const publicBase = endpointFromUrl("public base URL", "client", r.str(baseUrlPath), "served");
  if (publicBase) b.endpoint(publicBase, { self: baseUrlPath });
  federationEndpoint(r, b);
  emailEndpoint(r, b);
  databaseEndpoint(r, b);
  redisEndpoint(r, b);
  retention(r, b);

  b.set("software.product", "synapse", []);
  b.set("monitoring.metrics.enabled", r.bool(["enable_metrics"], false), ["enable_metrics"]);
  // Synapse logs to stderr unless log_config names a logging configuration.
  b.set("audit.logging.enabled", r.str(["log_config"], "") !== "", ["log_config"]);

  b.settings(redactConfig(doc.root, SYNAPSE_SECRETS) as Record<string, unknown>);
  return b.result();
}

function listenerEndpoints(r: NativeReader, b: SnapshotBuilder): void {
  r.list(["listeners"]).forEach((listener, i) => {
    const at: NativePath = ["listeners", i];
    if (!isRecord(listener)) r.fail(at, "a listener mapping (port, type, resources...)");
    const type = r.str([...at, "type"]);
    if (!type) r.fail([...at, "type"], "a listener type (http, metrics, manhole or replication)");
    const tlsPath = [...at, "tls"];
    const tls = r.bool(tlsPath, false);
    const socketPath = r.str([...at, "path"]);
    const bindPath = r.has([...at, "bind_addresses"]) ? [...at, "bind_addresses"] : r.has([...at, "bind_address"]) ? [...at, "bind_address"] : at;
    const binds = bindPath === at ? DEFAULT_BIND_ADDRESSES : r.strings(bindPath);
    const port = socketPath ? undefined : r.num([...at, "port"]);
    if (!socketPath && port === undefined) r.fail([...at, "port"], "a port number");
    const exposure = socketPath ? "internal" : exposureOfHosts(binds);
    const host = representativeHost(binds);
    const urlFor = (scheme: string, path: string): string => (socketPath ? `unix://${socketPath}${path}` : listenerUrl(scheme, host, port, path));
    const portPath = socketPath ? [...at, "path"] : [...at, "port"];
    const sources = { self: at, url: portPath, exposure: bindPath, tls: tlsPath };

    if (type === "metrics") {
      b.endpoint({ name: `metrics listener ${port ?? socketPath}`, url: urlFor("http", "/_synapse/metrics"), kind: "metrics", exposure, tls: { enabled: false } }, sources);
      return;
    }
    if (type === "manhole") {
      // An SSH server into a Python shell with full admin power: encrypted, but an admin endpoint.
      b.endpoint({ name: `manhole ${port}`, url: urlFor("ssh", ""), kind: "admin", exposure, tls: { enabled: true } }, sources);
      return;
    }
    const names = new Set<string>();
    r.list([...at, "resources"]).forEach((_res, j) => r.strings([...at, "resources", j, "names"]).forEach((n) => names.add(n)));
    if (type === "replication") names.add("replication");
    const kinds = new Map<EndpointKind, string>();
    for (const name of names) {
      const mapped = RESOURCE_KINDS[name];
      if (mapped && !kinds.has(mapped.kind)) kinds.set(mapped.kind, mapped.path);
    }
    if (kinds.size === 0) kinds.set("client", "/");
    for (const [kind, path] of kinds) {
      b.endpoint({ name: `${kind} listener ${port ?? socketPath}`, url: urlFor(tls ? "https" : "http", path), kind, exposure, tls: { enabled: tls } }, sources);
    }
  });
}

/**
 * Outbound federation: Synapse always speaks TLS to other servers; how old a version it accepts and whether
 * it checks certificates are settings. An explicitly empty domain whitelist turns federation off.
 */
function federationEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  const whitelist = r.get(["federation_domain_whitelist"]);
  if (Array.isArray(whitelist) && whitelist.length === 0) return;
  const minPath = ["federation_client_minimum_tls_version"];
  const minText = r.str(minPath, DEFAULT_FEDERATION_MIN_TLS);
  const minVersion = normalizeTlsVersion(minText);
  if (!minVersion) r.fail(minPath, "a TLS version (1, 1.1, 1.2 or 1.3)");
  const verifyPath = ["federation_verify_certificates"];
  const exemptPath = ["federation_certificate_verification_whitelist"];
  const verify = r.bool(verifyPath, true);
  const exempt = r.list(exemptPath).length > 0;
  b.endpoint(
    { name: "outbound federation", kind: "federation", exposure: "public", tls: { enabled: true, minVersion, verifyCertificates: verify && !exempt } },
    { self: minPath, minVersion: minPath, verifyCertificates: verify && exempt ? exemptPath : verifyPath },
  );
}

function emailEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  if (!r.has(["email"])) return;
  r.map(["email"]);
  const hostPath = ["email", "smtp_host"];
  const host = r.str(hostPath, DEFAULT_SMTP_HOST);
  const forcePath = ["email", "force_tls"];
  const force = r.bool(forcePath, false);
  const requirePath = ["email", "require_transport_security"];
  const required = r.bool(requirePath, false);
  b.endpoint(
    {
      name: "smtp",
      url: listenerUrl(force ? "smtps" : "smtp", host, r.num(["email", "smtp_port"], DEFAULT_SMTP_PORT)),
      kind: "smtp",
      ...targetExposure(host),
      // enable_tls (default true) only tries STARTTLS; only these two make encryption mandatory.
      tls: { enabled: force || required },
    },
    { self: r.has(hostPath) ? hostPath : ["email"], tls: force ? forcePath : requirePath },
  );
}

function databaseEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  const engine = r.str(["database", "name"], "sqlite3");
  if (engine !== "psycopg2" && engine !== "psycopg") return;
  const args = ["database", "args"];
  const host = r.str([...args, "host"], "localhost");
  const sslPath = [...args, "sslmode"];
  b.endpoint(
    {
      name: "database",
      url: listenerUrl("postgres", host.startsWith("/") ? "localhost" : host, r.num([...args, "port"], 5432), `/${r.str([...args, "dbname"]) ?? r.str([...args, "database"], "synapse")}`),
      kind: "database",
      ...targetExposure(host.startsWith("/") ? "localhost" : host),
      // psycopg uses libpq, whose default sslmode "prefer" falls back to plaintext.
      tls: postgresSslmodeTls(r.str(sslPath), "prefer"),
    },
    { self: r.has([...args, "host"]) ? [...args, "host"] : ["database"], tls: sslPath },
  );
}

function redisEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  if (!r.bool(["redis", "enabled"], false)) return;
  const hostPath = ["redis", "host"];
  const host = r.str(hostPath, "localhost");
  const tlsPath = ["redis", "use_tls"];
  const tls = r.bool(tlsPath, false);
  b.endpoint(
    { name: "redis", url: listenerUrl(tls ? "rediss" : "redis", host, r.num(["redis", "port"], 6379)), kind: "database", ...targetExposure(host), tls: { enabled: tls } },
    { self: ["redis", "enabled"], url: hostPath, exposure: hostPath, tls: tlsPath },
  );
}

function duration(r: NativeReader, path: NativePath): number | undefined {
  const value = r.get(path);
  if (value === undefined || value === null) return undefined;
  const days = synapseDurationDays(value);
  if (days === undefined) r.fail(path, "a duration such as 28d, 1w or 1y");
  return days;
}

/**
 * Messages: the retention feature and its default policy (rooms without a policy of their own keep
 * everything unless default_policy.max_lifetime is set). Files: local media lifetime.
 */
function retention(r: NativeReader, b: SnapshotBuilder): void {
  const enabledPath = ["retention", "enabled"];
  const enabled = r.bool(enabledPath, false);
  b.at("retention.messages", ["retention"]);
  b.set("retention.messages.enabled", enabled, enabledPath);
  const maxPath = ["retention", "default_policy", "max_lifetime"];
  const max = enabled ? duration(r, maxPath) : undefined;
  b.set("retention.messages.maxAgeDays", max ?? null, enabled ? maxPath : enabledPath);

  const mediaPath = ["media_retention", "local_media_lifetime"];
  const media = duration(r, mediaPath);
  b.at("retention.files", ["media_retention"]);
  b.set("retention.files.enabled", media !== undefined, mediaPath);
  b.set("retention.files.maxAgeDays", media ?? null, mediaPath);
}

export const synapseImporter: Importer = { platform: "synapse", detect, import: importSynapse };
