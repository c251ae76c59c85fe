// ejabberd.yml -> snapshot: every listener (c2s, s2s, HTTP request handlers, MQTT...) with its TLS, the SQL
// and LDAP connections, MAM and upload retention, admin ACL users, with define_macro references resolved.

import { InputError } from "../errors.js";
import type { EndpointKind } from "../snapshot/types.js";
import { SnapshotBuilder, type EndpointSources } from "./builder.js";
import { isRecord, MAX_DEPTH, nameFromPath, NativeReader, parseStructuredDocument, sniffStructured, type NativePath } from "./native.js";
import { exposureOfHost, listenerUrl, minTlsFromProtocolOptions, targetExposure } from "./network.js";
import { redactConfig, type SecretRules } from "./redact.js";
import type { ImportOptions, ImportResult, Importer, NativeFile } from "./types.js";

/** KEYS.md's ejabberd secrets, at the top level and the same keys under host_config. */
export const EJABBERD_SECRETS: SecretRules = {
  secrets: [
    "sql_password", "ldap_password", "redis_password",
    "modules.mod_http_upload.external_secret", "modules.mod_stun_disco.secret",
    "listen.*.hosts.*.password", "listen.*.password", "modules.mod_muc.default_room_options.password",
    "host_config.*.sql_password", "host_config.*.ldap_password", "host_config.*.redis_password",
    "host_config.*.modules.mod_http_upload.external_secret", "host_config.*.modules.mod_stun_disco.secret",
    "host_config.*.modules.mod_muc.default_room_options.password",
  ],
};

// Code defaults (listener and option defaults of ejabberd 23.01).
/** A listener without `ip` listens on every interface. */
const DEFAULT_IP = "::";
const DEFAULT_LOGLEVEL = "info";
const SQL_PORTS: Record<string, number> = { mysql: 3306, pgsql: 5432, mssql: 1433 };
/** Log levels that still record logins and admin actions. */
const AUDITING_LOGLEVELS = new Set(["warning", "notice", "info", "debug", "3", "4", "5"]);

const EXPECTED = "an ejabberd.yml (a YAML mapping with listen, hosts, acl and modules)";

function detect(file: NativeFile): boolean {
  const v = sniffStructured(file.text);
  if (!isRecord(v) || v.kind !== undefined || !Array.isArray(v.listen)) return false;
  const modules = isRecord(v.modules) ? Object.keys(v.modules) : [];
  return v.hosts !== undefined || v.acl !== undefined || modules.some((m) => m.startsWith("mod_")) ||
    v.listen.some((l) => isRecord(l) && typeof l.module === "string" && /^(ejabberd_|mod_)/.test(l.module));
}

/**
 * A copy of the config with every value that names a macro replaced by the macro's value, as ejabberd does
 * when it reads the file, and define_macro itself left out: a secret kept in a macro is then redacted under
 * the key that uses it, whatever the macro is called. Keys are never macros.
 */
function resolveMacros(root: Record<string, unknown>, r: NativeReader): unknown {
  const macros = r.map(["define_macro"]);
  const substitute = (value: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) return value;
    if (typeof value === "string" && Object.prototype.hasOwnProperty.call(macros, value)) return macros[value];
    if (Array.isArray(value)) return value.map((v) => substitute(v, depth + 1));
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (depth === 0 && k === "define_macro") continue;
        Object.defineProperty(out, k, { value: substitute(v, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return value;
  };
  return substitute(root, 0);
}

function importEjabberd(file: NativeFile, options: ImportOptions): ImportResult {
  const doc = parseStructuredDocument(file, EXPECTED);
  if (!isRecord(doc.root)) throw new InputError(`expected ${EXPECTED}, found ${Array.isArray(doc.root) ? "a list" : "a scalar"}`, { file: file.path, line: 1, column: 1 });
  const resolved = resolveMacros(doc.root, new NativeReader(doc));
  const r: NativeReader = new NativeReader(doc, resolved);
  const hosts = r.strings(["hosts"]);
  const b = new SnapshotBuilder(doc, "ejabberd", options, { value: hosts[0], at: ["hosts", 0] }, nameFromPath(file.path));

  r.list(["listen"]).forEach((_l, i) => listenerEndpoints(r, b, i));
  sqlEndpoint(r, b);
  ldapEndpoint(r, b);
  retention(r, b);
  admins(r, b);

  b.set("software.product", "ejabberd", []);
  // ejabberd has no metrics exporter in core; mod_stats answers statistics queries over XMPP. Without it
  // the config cannot tell (ejabberdctl stats always works), so nothing is claimed.
  if (moduleConfigs(r).some(({ name }) => name === "mod_stats")) b.set("monitoring.metrics.enabled", true, ["modules", "mod_stats"]);
  const levelPath = ["loglevel"];
  b.set("audit.logging.enabled", AUDITING_LOGLEVELS.has(r.str(levelPath, DEFAULT_LOGLEVEL).toLowerCase()), levelPath);

  b.settings(redactConfig(resolved, EJABBERD_SECRETS) as Record<string, unknown>);
  return b.result();
}

/** The kind of endpoint an HTTP request handler is, or undefined for ones that must stay plain HTTP. */
function handlerKind(path: string, module: string): EndpointKind | undefined {
  // ACME's HTTP-01 challenge is plain HTTP by design: reporting it as unencrypted would be a false alarm.
  if (module === "ejabberd_acme") return undefined;
  if (module === "ejabberd_web_admin" || path.replace(/\/+$/, "") === "/admin") return "admin";
  if (module === "mod_http_api" || path.replace(/\/+$/, "") === "/api") return "api";
  if (module === "mod_http_upload") return "storage";
  return "client";
}

function listenerEndpoints(r: NativeReader, b: SnapshotBuilder, i: number): void {
  const at: NativePath = ["listen", i];
  if (!isRecord(r.get(at))) r.fail(at, "a listener mapping (port, module, ...)");
  const module = r.str([...at, "module"]);
  if (!module) r.fail([...at, "module"], "a listener module such as ejabberd_c2s");
  const portPath = [...at, "port"];
  const port = r.num(portPath);
  if (port === undefined) r.fail(portPath, "a port number");
  // STUN/TURN relays media that is encrypted end to end (DTLS-SRTP); it is not a plaintext chat endpoint.
  if (module === "ejabberd_stun") return;
  const ipPath = r.has([...at, "ip"]) ? [...at, "ip"] : at;
  const ip = r.str([...at, "ip"], DEFAULT_IP);
  const exposure = exposureOfHost(ip);
  const tlsPath = [...at, "tls"];
  const tls = r.bool(tlsPath, false);
  const starttlsRequiredPath = [...at, "starttls_required"];
  const starttlsRequired = r.bool(starttlsRequiredPath, false);
  const starttls = r.bool([...at, "starttls"], false) || starttlsRequired;
  const optionsPath = [...at, "protocol_options"];

  /** Listener protocol_options, else the global ones for the stream type; "1.0" when none drops old versions. */
  const minVersion = (globalKey?: string): { value: string; at: NativePath } => {
    const own = r.has(optionsPath) ? optionsPath : globalKey && r.has([globalKey]) ? [globalKey] : undefined;
    return { value: (own && minTlsFromProtocolOptions(r.strings(own))) ?? "1.0", at: own ?? at };
  };
  const base = { exposure };
  const sources = (self: NativePath, tlsAt: NativePath, minAt?: NativePath): EndpointSources => ({
    self, url: portPath, exposure: ipPath, tls: tlsAt, ...(minAt ? { minVersion: minAt } : {}),
  });

  if (module === "ejabberd_c2s") {
    const min = minVersion("c2s_protocol_options");
    const enabled = tls || starttlsRequired;
    const tlsAt = tls ? tlsPath : r.has(starttlsRequiredPath) ? starttlsRequiredPath : at;
    b.endpoint(
      { name: `c2s ${port}`, ...base, url: listenerUrl("xmpp", ip, port), kind: "xmpp", tls: { enabled, ...(tls || starttls ? { minVersion: min.value } : {}) } },
      sources(portPath, tlsAt, min.at),
    );
    return;
  }
  if (module === "ejabberd_s2s_in") {
    const starttlsPath = ["s2s_use_starttls"];
    const mode = r.str(starttlsPath, "false").toLowerCase();
    const enabled = tls || mode === "required" || mode === "required_trusted";
    const offered = enabled || mode === "optional" || mode === "true";
    const min = minVersion("s2s_protocol_options");
    b.endpoint(
      { name: `s2s ${port}`, ...base, url: listenerUrl("xmpp", ip, port), kind: "federation", tls: { enabled, ...(offered ? { minVersion: min.value } : {}) } },
      sources(portPath, tls ? tlsPath : r.has(starttlsPath) ? starttlsPath : at, min.at),
    );
    return;
  }
  if (module === "ejabberd_http") {
    const handlersPath = [...at, "request_handlers"];
    const handlers = Object.entries(r.map(handlersPath));
    const min = minVersion();
    const scheme = tls ? "https" : "http";
    if (handlers.length === 0) {
      b.endpoint({ name: `http ${port}`, ...base, url: listenerUrl(scheme, ip, port, "/"), kind: "client", tls: { enabled: tls, ...(tls ? { minVersion: min.value } : {}) } }, sources(portPath, r.has(tlsPath) ? tlsPath : at, min.at));
    }
    for (const [path, handler] of handlers) {
      const kind = handlerKind(path, typeof handler === "string" ? handler : "");
      if (!kind) continue;
      const handlerPath = [...handlersPath, path];
      b.endpoint(
        { name: `http ${port} ${path}`, ...base, url: listenerUrl(scheme, ip, port, path), kind, tls: { enabled: tls, ...(tls ? { minVersion: min.value } : {}) } },
        { ...sources(handlerPath, r.has(tlsPath) ? tlsPath : at, min.at), url: handlerPath },
      );
    }
    return;
  }
  const known: Record<string, { name: string; scheme: [string, string]; kind: EndpointKind }> = {
    mod_mqtt: { name: "mqtt", scheme: ["mqtt", "mqtts"], kind: "client" },
    ejabberd_service: { name: "component", scheme: ["xmpp", "xmpps"], kind: "xmpp" },
    ejabberd_sip: { name: "sip", scheme: ["sip", "sips"], kind: "client" },
  };
  const shape = known[module] ?? { name: module, scheme: ["tcp", "tls"], kind: "client" as EndpointKind };
  const enabled = tls || starttlsRequired;
  const min = minVersion();
  b.endpoint(
    { name: `${shape.name} ${port}`, ...base, url: listenerUrl(shape.scheme[tls ? 1 : 0], ip, port), kind: shape.kind, tls: { enabled, ...(enabled ? { minVersion: min.value } : {}) } },
    // A plaintext listener has no TLS key to point at: its port line is where the finding belongs.
    sources(portPath, r.has(tlsPath) ? tlsPath : portPath, min.at),
  );
}

function sqlEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  const typePath = ["sql_type"];
  const type = r.str(typePath, "").toLowerCase();
  if (!SQL_PORTS[type]) return;
  const serverPath = ["sql_server"];
  const server = r.str(serverPath, "localhost");
  const sslPath = ["sql_ssl"];
  const ssl = r.bool(sslPath, false);
  const verifyPath = ["sql_ssl_verify"];
  b.endpoint(
    {
      name: "database",
      url: listenerUrl(type === "pgsql" ? "postgres" : type, server, r.num(["sql_port"], SQL_PORTS[type]!), `/${r.str(["sql_database"], "ejabberd")}`),
      kind: "database",
      ...targetExposure(server),
      tls: { enabled: ssl, verifyCertificates: ssl && r.bool(verifyPath, false) },
    },
    { self: typePath, url: serverPath, exposure: serverPath, tls: sslPath, verifyCertificates: verifyPath },
  );
}

function ldapEndpoint(r: NativeReader, b: SnapshotBuilder): void {
  const methods = r.strings(["auth_method"]);
  const serversPath = ["ldap_servers"];
  const servers = r.strings(serversPath);
  if (!methods.includes("ldap") && servers.length === 0) return;
  const encryptPath = ["ldap_encrypt"];
  const encrypted = r.str(encryptPath, "none").toLowerCase() === "tls";
  const verifyPath = ["ldap_tls_verify"];
  const verify = r.str(verifyPath, "false").toLowerCase();
  const port = r.num(["ldap_port"], encrypted ? 636 : 389);
  (servers.length ? servers : ["localhost"]).forEach((server, i) => {
    b.endpoint(
      {
        name: servers.length > 1 ? `ldap ${i + 1}` : "ldap",
        url: listenerUrl(encrypted ? "ldaps" : "ldap", server, port),
        kind: "ldap",
        ...targetExposure(server),
        tls: { enabled: encrypted, verifyCertificates: encrypted && (verify === "soft" || verify === "hard") },
      },
      { self: servers.length ? [...serversPath, i] : ["auth_method"], tls: encryptPath, verifyCertificates: verifyPath },
    );
  });
}

/** Module configurations of the whole server and of every host_config / append_host_config entry. */
function moduleConfigs(r: NativeReader): { name: string; at: NativePath }[] {
  const out: { name: string; at: NativePath }[] = [];
  const collect = (base: NativePath): void => {
    for (const name of Object.keys(r.map(base))) out.push({ name, at: [...base, name] });
  };
  collect(["modules"]);
  for (const section of ["host_config", "append_host_config"]) {
    for (const host of Object.keys(r.map([section]))) collect([section, host, "modules"]);
  }
  return out;
}

/**
 * Messages: without mod_mam nothing is archived (kept 0 days); with it, ejabberd never expires the archive by
 * itself (a scheduled `delete_old_mam_messages` is outside the config), unless `default: never` leaves
 * users unarchived. Files: mod_http_upload keeps uploads until mod_http_upload_quota's max_days.
 */
function retention(r: NativeReader, b: SnapshotBuilder): void {
  const modules = moduleConfigs(r);
  const mam = modules.filter((m) => m.name === "mod_mam");
  b.at("retention.messages", mam[0]?.at ?? ["modules"]);
  const archiving = mam.find((m) => r.str([...m.at, "default"], "never").toLowerCase() !== "never");
  if (archiving) {
    b.set("retention.messages.enabled", false, [...archiving.at, "default"]);
    b.set("retention.messages.maxAgeDays", null, [...archiving.at, "default"]);
  } else {
    const at = mam[0] ? [...mam[0].at, "default"] : ["modules"];
    b.set("retention.messages.enabled", true, at);
    b.set("retention.messages.maxAgeDays", 0, at);
  }

  const upload = modules.find((m) => m.name === "mod_http_upload");
  b.at("retention.files", upload?.at ?? ["modules"]);
  if (!upload) {
    b.set("retention.files.enabled", true, ["modules"]);
    b.set("retention.files.maxAgeDays", 0, ["modules"]);
    return;
  }
  const quota = modules.find((m) => m.name === "mod_http_upload_quota");
  const maxDaysPath = quota ? [...quota.at, "max_days"] : upload.at;
  const maxDays = quota ? r.get(maxDaysPath) : undefined;
  const limited = typeof maxDays === "number" || (typeof maxDays === "string" && /^\d+$/.test(maxDays));
  if (maxDays !== undefined && maxDays !== null && maxDays !== "infinity" && !limited) r.fail(maxDaysPath, "a number of days or infinity");
  b.set("retention.files.enabled", limited, maxDaysPath);
  b.set("retention.files.maxAgeDays", limited ? Number(maxDays) : null, maxDaysPath);
}

/** JIDs of `acl: admin: user:` (a string, a list, or the older `{name: server}` form), global and per host. */
function admins(r: NativeReader, b: SnapshotBuilder): void {
  const seen = new Set<string>();
  const add = (jid: string, at: NativePath): void => {
    if (!jid || seen.has(jid)) return;
    seen.add(jid);
    b.user({ id: jid, username: jid, roles: ["admin"], status: "active" }, at);
    // The config names its admins, not its accounts: `users` is not every account (see SnapshotMetadata).
    if (seen.size === 1) b.set("metadata.usersListed", "admins", at);
  };
  const fromSpec = (userPath: NativePath): void => {
    const value = r.get(userPath);
    const items = Array.isArray(value) ? value.map((v, i) => [v, [...userPath, i]] as const) : [[value, userPath] as const];
    for (const [item, at] of items) {
      if (typeof item === "string") add(item.trim(), at);
      else if (isRecord(item)) for (const [name, server] of Object.entries(item)) add(`${name}@${String(server)}`, at);
    }
  };
  const fromAcl = (aclPath: NativePath): void => {
    const admin = r.get([...aclPath, "admin"]);
    if (isRecord(admin)) fromSpec([...aclPath, "admin", "user"]);
    else if (Array.isArray(admin)) admin.forEach((_spec, i) => fromSpec([...aclPath, "admin", i, "user"]));
  };
  fromAcl(["acl"]);
  for (const host of Object.keys(r.map(["host_config"]))) fromAcl(["host_config", host, "acl"]);
}

export const ejabberdImporter: Importer = { platform: "ejabberd", detect, import: importEjabberd };
