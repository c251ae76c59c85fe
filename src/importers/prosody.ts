// Prosody prosody.cfg.lua -> snapshot: c2s and s2s encryption per VirtualHost, HTTP and component listeners,
// MAM and file-share expiry, OpenMetrics, log sinks and admins, with Prosody's code defaults.

import luaparse from "luaparse";
import type { Chunk, Expression } from "luaparse";
import type { EndpointKind } from "../snapshot/types.js";
import { SnapshotBuilder } from "./builder.js";
import { prosodyPeriodDays } from "./durations.js";
import { parseProsodyConfig, type ProsodyConfig } from "./lua.js";
import { isRecord, nameFromPath, NativeReader, type NativePath } from "./native.js";
import { exposureOfHosts, listenerUrl, normalizeTlsVersion, representativeHost } from "./network.js";
import { redactConfig, type SecretRules } from "./redact.js";
import type { ImportOptions, ImportResult, Importer, NativeFile } from "./types.js";

const SECTIONS = ["global", "virtualHosts.*", "components.*"];
const perSection = (keys: string[]): string[] => SECTIONS.flatMap((s) => keys.map((k) => `${s}.${k}`));

/** KEYS.md's Prosody secrets in every section; ssl.key names a key file and stays readable. */
export const PROSODY_SECRETS: SecretRules = {
  secrets: perSection(["component_secret", "sql.password", "turn_external_secret", "http_file_share_secret", "ldap_password", "ssl.password"]),
  notSecrets: perSection(["ssl.key", "c2s_ssl.key", "s2s_ssl.key", "https_ssl.key"]),
};

// Code defaults (Prosody 0.12: core/portmanager.lua, mod_tls, mod_s2s, mod_mam, mod_http_file_share).
const DEFAULT_INTERFACES = ["*", "::"];
const DEFAULT_LOCAL_INTERFACES = ["127.0.0.1", "::1"];
const DEFAULT_OPENMETRICS_ALLOW = ["::1", "127.0.0.1"];
const DEFAULT_ARCHIVE_EXPIRY = "1w";
const DEFAULT_FILE_SHARE_EXPIRY_SECONDS = 604_800;
const DEFAULT_TLS_PROFILE = "intermediate";
/** Mozilla's server-side TLS profiles, which tls_profile names. */
const TLS_PROFILE_MIN: Record<string, string> = { modern: "1.3", intermediate: "1.2", old: "1.0", legacy: "1.0" };

/** HTTP modules and what they serve. */
const HTTP_MODULES: Record<string, { kind: EndpointKind; path: string }> = {
  bosh: { kind: "client", path: "/http-bind" },
  websocket: { kind: "client", path: "/xmpp-websocket" },
  http_file_share: { kind: "storage", path: "/file_share" },
  http_upload: { kind: "storage", path: "/upload" },
  http_openmetrics: { kind: "metrics", path: "/metrics" },
  admin_web: { kind: "admin", path: "/admin" },
  register_web: { kind: "client", path: "/register_web" },
  conversejs: { kind: "client", path: "/conversejs" },
  invites_page: { kind: "client", path: "/invite" },
  http_files: { kind: "client", path: "/files" },
};

const PROSODY_KEYS = new Set([
  "admins", "modules_enabled", "modules_disabled", "c2s_require_encryption", "s2s_require_encryption", "s2s_secure_auth",
  "authentication", "storage", "pidfile", "plugin_paths", "certificates", "interfaces", "archive_expires_after",
  "allow_registration", "daemonize", "ssl", "log",
]);

/** Prosody configs are Lua; a .lua file that does not parse is still claimed, so that import can say where it breaks. */
function detect(file: NativeFile): boolean {
  const lua = /\.lua$/i.test(file.path);
  let chunk: Chunk;
  try {
    chunk = luaparse.parse(Buffer.from(file.text, "utf8").toString("latin1"), { encodingMode: "pseudo-latin1", luaVersion: "5.2" });
  } catch {
    return lua;
  }
  return chunk.body.some((s) => {
    if (s.type === "AssignmentStatement") return s.variables.some((v) => v.type === "Identifier" && PROSODY_KEYS.has(v.name));
    if (s.type !== "CallStatement") return false;
    let callee: Expression = s.expression;
    while (callee.type === "StringCallExpression" || callee.type === "CallExpression") callee = callee.base;
    return callee.type === "Identifier" && ["VirtualHost", "Component", "Include"].includes(callee.name);
  });
}

/** An option as Prosody resolves it for a host: the host's own, else the global one, else absent. */
interface Option {
  value: unknown;
  at: NativePath;
}

class ProsodyOptions {
  readonly config: ProsodyConfig;
  constructor(readonly r: NativeReader) {
    this.config = r.doc.root as ProsodyConfig;
  }

  /** Absent options point at the host's section (or line 1 for the global section). */
  get(host: string | undefined, key: string): Option {
    if (host !== undefined && this.r.has(["virtualHosts", host, key])) return { value: this.r.get(["virtualHosts", host, key]), at: ["virtualHosts", host, key] };
    if (this.r.has(["global", key])) return { value: this.r.get(["global", key]), at: ["global", key] };
    return { value: undefined, at: host !== undefined ? ["virtualHosts", host] : [] };
  }

  bool(host: string | undefined, key: string, fallback: boolean): { value: boolean; at: NativePath } {
    const o = this.get(host, key);
    return { value: o.value === undefined ? fallback : this.r.bool(o.at, fallback), at: o.at };
  }

  /** Strings of a global list option ("interfaces"), or the default. */
  globalList(key: string, fallback: string[]): { value: string[]; at?: NativePath } {
    return this.r.has(["global", key]) ? { value: this.r.strings(["global", key]), at: ["global", key] } : { value: fallback };
  }

  /**
   * Modules loaded on a host: auto-loaded ones aside, global modules_enabled plus the host's own, minus
   * modules_disabled (Prosody's modulemanager unions the lists); each with the entry that enables it.
   */
  modules(section: ["virtualHosts" | "components", string] | undefined): Map<string, NativePath> {
    const out = new Map<string, NativePath>();
    const add = (base: NativePath): void => this.r.strings([...base, "modules_enabled"]).forEach((m, i) => out.set(m, [...base, "modules_enabled", i]));
    const remove = (base: NativePath): void => this.r.strings([...base, "modules_disabled"]).forEach((m) => out.delete(m));
    add(["global"]);
    remove(["global"]);
    if (section) {
      add(section);
      remove(section);
      if (section[0] === "components") {
        const module = this.r.str([...section, "component_module"]);
        if (module) out.set(module, [...section, "component_module"]);
      }
    }
    return out;
  }
}

function importProsody(file: NativeFile, options: ImportOptions): ImportResult {
  const doc = parseProsodyConfig(file);
  const r: NativeReader = new NativeReader(doc);
  const p = new ProsodyOptions(r);
  const hostNames = Object.keys(doc.root.virtualHosts);
  const b = new SnapshotBuilder(doc, "prosody", options, { value: hostNames[0], at: ["virtualHosts", hostNames[0] ?? ""] }, nameFromPath(file.path));

  const hosts: (string | undefined)[] = hostNames.length ? hostNames : [undefined];
  for (const host of hosts) streamEndpoints(p, b, host);
  httpEndpoints(p, b);
  componentEndpoints(p, b);
  retention(p, b, hosts);
  admins(p, b, hostNames);

  b.set("software.product", "prosody", []);
  const metrics = allModules(p).get("http_openmetrics");
  b.set("monitoring.metrics.enabled", metrics !== undefined, metrics ?? modulesListPath(p));
  const log = p.get(undefined, "log");
  b.set("audit.logging.enabled", hasFileSink(log.value), log.at);

  b.settings(redactConfig(doc.root, PROSODY_SECRETS) as Record<string, unknown>);
  return b.result();
}

/** Where a missing module would be added: the global modules_enabled list, else line 1. */
function modulesListPath(p: ProsodyOptions): NativePath {
  return p.r.has(["global", "modules_enabled"]) ? ["global", "modules_enabled"] : [];
}

/** Modules loaded anywhere: globally, on any VirtualHost, on any Component. */
function allModules(p: ProsodyOptions): Map<string, NativePath> {
  const all = p.modules(undefined);
  for (const host of Object.keys(p.config.virtualHosts)) for (const [m, at] of p.modules(["virtualHosts", host])) if (!all.has(m)) all.set(m, at);
  for (const c of Object.keys(p.config.components)) for (const [m, at] of p.modules(["components", c])) if (!all.has(m)) all.set(m, at);
  return all;
}

/**
 * Lowest TLS version: an explicit ssl.protocol ("tlsv1_2+") wins over tls_profile (Mozilla profile names,
 * default "intermediate", TLS 1.2).
 */
function minTls(p: ProsodyOptions, host: string | undefined): { value: string; at: NativePath } {
  const ssl = p.get(host, "ssl");
  if (isRecord(ssl.value) && typeof ssl.value.protocol === "string") {
    const version = normalizeTlsVersion(ssl.value.protocol);
    if (!version) p.r.fail([...ssl.at, "protocol"], "a TLS protocol such as tlsv1_2+");
    return { value: version, at: [...ssl.at, "protocol"] };
  }
  const profile = p.get(host, "tls_profile");
  const name = profile.value === undefined ? DEFAULT_TLS_PROFILE : p.r.str(profile.at, DEFAULT_TLS_PROFILE);
  const version = TLS_PROFILE_MIN[name.toLowerCase()];
  if (!version) p.r.fail(profile.at, "one of modern, intermediate, old or legacy");
  return { value: version, at: profile.at };
}

function ports(p: ProsodyOptions, key: string, fallback: number): { value: number[]; at?: NativePath } {
  if (!p.r.has(["global", key])) return { value: [fallback] };
  return { value: p.r.list(["global", key]).map((_v, i) => p.r.num(Array.isArray(p.r.get(["global", key])) ? ["global", key, i] : ["global", key], fallback)), at: ["global", key] };
}

interface Stream {
  stream: "c2s" | "s2s";
  kind: "xmpp" | "federation";
  defaultPort: number;
  required: { value: boolean; at: NativePath };
  min: { value: string; at: NativePath };
  verify?: { value: boolean; at: NativePath };
}

/** The interfaces a stream listens on: its own <stream>_interfaces, else interfaces, else every interface. */
function streamInterfaces(p: ProsodyOptions, stream: Stream["stream"]): { value: string[]; at?: NativePath } {
  return p.r.has(["global", `${stream}_interfaces`]) ? p.globalList(`${stream}_interfaces`, DEFAULT_INTERFACES) : p.globalList("interfaces", DEFAULT_INTERFACES);
}

/** One endpoint per port of a stream; it has no line of its own, so findings go where encryption is required. */
function streamListeners(p: ProsodyOptions, b: SnapshotBuilder, host: string | undefined, s: Stream): void {
  const section: NativePath = host === undefined ? [] : ["virtualHosts", host];
  const interfaces = streamInterfaces(p, s.stream);
  const streamPorts = ports(p, `${s.stream}_ports`, s.defaultPort);
  for (const port of streamPorts.value) {
    b.endpoint(
      {
        name: `${s.stream}${host === undefined ? "" : ` ${host}`}${streamPorts.value.length > 1 ? ` ${port}` : ""}`,
        url: listenerUrl("xmpp", representativeHost(interfaces.value), port),
        kind: s.kind,
        exposure: exposureOfHosts(interfaces.value),
        tls: { enabled: s.required.value, minVersion: s.min.value, ...(s.verify ? { verifyCertificates: s.verify.value } : {}) },
      },
      {
        self: s.required.at, url: streamPorts.at ?? s.required.at, exposure: interfaces.at ?? section, tls: s.required.at, minVersion: s.min.at,
        ...(s.verify ? { verifyCertificates: s.verify.at } : {}),
      },
    );
  }
}

function streamEndpoints(p: ProsodyOptions, b: SnapshotBuilder, host: string | undefined): void {
  const disabled = new Set([...p.r.strings(["global", "modules_disabled"]), ...(host ? p.r.strings(["virtualHosts", host, "modules_disabled"]) : [])]);
  const min = minTls(p, host);
  if (!disabled.has("c2s")) {
    // c2s_require_encryption falls back to the older require_encryption, then to mod_tls's default true.
    const own = p.get(host, "c2s_require_encryption");
    const required = own.value !== undefined ? p.bool(host, "c2s_require_encryption", true) : p.bool(host, "require_encryption", true);
    streamListeners(p, b, host, { stream: "c2s", kind: "xmpp", defaultPort: 5222, required, min });
    const interfaces = streamInterfaces(p, "c2s");
    for (const key of ["c2s_direct_tls_ports", "legacy_ssl_ports"]) {
      if (!p.r.has(["global", key])) continue;
      for (const port of ports(p, key, 5223).value) {
        b.endpoint(
          { name: `c2s direct TLS${host === undefined ? "" : ` ${host}`} ${port}`, url: listenerUrl("xmpps", representativeHost(interfaces.value), port), kind: "xmpp", exposure: exposureOfHosts(interfaces.value), tls: { enabled: true, minVersion: min.value } },
          { self: ["global", key], minVersion: min.at },
        );
      }
    }
  }
  if (!disabled.has("s2s")) {
    streamListeners(p, b, host, {
      stream: "s2s", kind: "federation", defaultPort: 5269, min,
      required: p.bool(host, "s2s_require_encryption", true),
      verify: p.bool(host, "s2s_secure_auth", false),
    });
  }
}

/**
 * Every loaded HTTP module is served on the plain HTTP ports (loopback only by default since 0.12) and on the
 * HTTPS ports (all interfaces).
 */
function httpEndpoints(p: ProsodyOptions, b: SnapshotBuilder): void {
  const modules = [...allModules(p)].filter(([m]) => HTTP_MODULES[m]);
  if (modules.length === 0) return;
  const httpInterfaces = p.globalList("http_interfaces", DEFAULT_LOCAL_INTERFACES);
  const httpsInterfaces = p.r.has(["global", "https_interfaces"]) ? p.globalList("https_interfaces", DEFAULT_INTERFACES) : p.globalList("interfaces", DEFAULT_INTERFACES);
  const httpPorts = ports(p, "http_ports", 5280);
  const httpsPorts = ports(p, "https_ports", 5281);
  const min = minTls(p, undefined);
  const metricsAllowed = openmetricsAllowed(p);
  for (const [module, at] of modules) {
    const { kind, path } = HTTP_MODULES[module]!;
    // mod_http_openmetrics answers only the addresses it allows, whatever interface the port is on.
    const reach = (interfaces: { value: string[]; at?: NativePath }): { exposure: "public" | "internal"; at?: NativePath } =>
      module === "http_openmetrics" && metricsAllowed.exposure === "internal" ? metricsAllowed : { exposure: exposureOfHosts(interfaces.value), at: interfaces.at };
    for (const port of httpPorts.value) {
      b.endpoint(
        { name: `http ${port} ${module}`, url: listenerUrl("http", representativeHost(httpInterfaces.value), port, path), kind, exposure: reach(httpInterfaces).exposure, tls: { enabled: false } },
        { self: at, url: httpPorts.at ?? at, exposure: reach(httpInterfaces).at ?? at },
      );
    }
    for (const port of httpsPorts.value) {
      b.endpoint(
        { name: `https ${port} ${module}`, url: listenerUrl("https", representativeHost(httpsInterfaces.value), port, path), kind, exposure: reach(httpsInterfaces).exposure, tls: { enabled: true, minVersion: min.value } },
        { self: at, url: httpsPorts.at ?? at, exposure: reach(httpsInterfaces).at ?? at, minVersion: min.at },
      );
    }
  }
}

/** Who mod_http_openmetrics answers: openmetrics_allow_ips (default loopback) and openmetrics_allow_cidr. */
function openmetricsAllowed(p: ProsodyOptions): { exposure: "public" | "internal"; at?: NativePath } {
  const ips = p.globalList("openmetrics_allow_ips", DEFAULT_OPENMETRICS_ALLOW);
  const cidr = p.r.str(["global", "openmetrics_allow_cidr"]);
  const addresses = [...ips.value, ...(cidr ? [cidr.split("/")[0]!] : [])];
  const at = cidr ? ["global", "openmetrics_allow_cidr"] : ips.at;
  return { exposure: addresses.length && exposureOfHosts(addresses) === "internal" ? "internal" : "public", ...(at ? { at } : {}) };
}

/** External components (no module) connect over XEP-0114, unencrypted, on loopback by default. */
function componentEndpoints(p: ProsodyOptions, b: SnapshotBuilder): void {
  const external = Object.keys(p.config.components).filter((c) => !p.r.has(["components", c, "component_module"]));
  if (external.length === 0) return;
  const interfaces = p.globalList("component_interfaces", DEFAULT_LOCAL_INTERFACES);
  const componentPorts = ports(p, "component_ports", 5347);
  for (const port of componentPorts.value) {
    b.endpoint(
      { name: `component ${port}`, url: listenerUrl("xmpp", representativeHost(interfaces.value), port), kind: "xmpp", exposure: exposureOfHosts(interfaces.value), tls: { enabled: false } },
      { self: ["components", external[0]!], url: componentPorts.at ?? ["components", external[0]!], exposure: interfaces.at ?? ["components", external[0]!] },
    );
  }
}

/** The longest expiry among the hosts that keep an archive (null if one keeps it forever). */
function longest(periods: { days: number | null; at: NativePath }[]): { days: number | null; at: NativePath } | undefined {
  let worst: { days: number | null; at: NativePath } | undefined;
  for (const period of periods) {
    if (!worst || period.days === null || (worst.days !== null && period.days > worst.days)) worst = period;
    if (worst.days === null) break;
  }
  return worst;
}

function period(p: ProsodyOptions, o: Option, fallback: string | number): number | null {
  const value = o.value === undefined ? fallback : o.value;
  const days = prosodyPeriodDays(value);
  if (days === undefined) p.r.fail(o.at, "a period such as 1w, 30d, 1y or never");
  return days;
}

/**
 * Messages: mod_mam on a host (archive_expires_after, default 1w) and mod_muc_mam on a MUC component
 * (muc_log_expires_after, default 1w); without either nothing is archived (0 days). Files: mod_http_file_share
 * (http_file_share_expires_after in seconds, default 7 days) or mod_http_upload; without one, none are kept.
 */
function retention(p: ProsodyOptions, b: SnapshotBuilder, hosts: (string | undefined)[]): void {
  const archives: { days: number | null; at: NativePath }[] = [];
  const shares: { days: number | null; at: NativePath }[] = [];
  for (const host of hosts) {
    const modules = p.modules(host === undefined ? undefined : ["virtualHosts", host]);
    if (modules.has("mam")) {
      const o = p.get(host, "archive_expires_after");
      archives.push({ days: period(p, o, DEFAULT_ARCHIVE_EXPIRY), at: o.value === undefined ? modules.get("mam")! : o.at });
    }
    fileShare(p, modules, host, shares);
  }
  for (const component of Object.keys(p.config.components)) {
    const modules = p.modules(["components", component]);
    if (modules.has("muc_mam")) {
      const own = p.r.has(["components", component, "muc_log_expires_after"]);
      const o: Option = own ? { value: p.r.get(["components", component, "muc_log_expires_after"]), at: ["components", component, "muc_log_expires_after"] } : p.get(undefined, "muc_log_expires_after");
      archives.push({ days: period(p, o, DEFAULT_ARCHIVE_EXPIRY), at: o.value === undefined ? modules.get("muc_mam")! : o.at });
    }
    fileShare(p, modules, component, shares, true);
  }
  const none = modulesListPath(p);
  for (const [target, found] of [["messages", longest(archives)], ["files", longest(shares)]] as const) {
    const at = found?.at ?? none;
    b.at(`retention.${target}`, at);
    b.set(`retention.${target}.enabled`, found ? found.days !== null : true, at);
    b.set(`retention.${target}.maxAgeDays`, found ? found.days : 0, at);
  }
}

function fileShare(p: ProsodyOptions, modules: Map<string, NativePath>, name: string | undefined, out: { days: number | null; at: NativePath }[], component = false): void {
  for (const [module, key] of [["http_file_share", "http_file_share_expires_after"], ["http_upload", "http_upload_expire_after"]] as const) {
    if (!modules.has(module)) continue;
    const base: NativePath = component ? ["components", name!] : name === undefined ? ["global"] : ["virtualHosts", name];
    const o: Option = p.r.has([...base, key]) ? { value: p.r.get([...base, key]), at: [...base, key] } : p.get(undefined, key);
    out.push({ days: period(p, o, DEFAULT_FILE_SHARE_EXPIRY_SECONDS), at: o.value === undefined ? modules.get(module)! : o.at });
  }
}

/** Whether a `log` option writes to a file: a path, a level = path pair, or a sink with to = "file". */
function hasFileSink(log: unknown): boolean {
  const isPath = (v: unknown): boolean => typeof v === "string" && v !== "" && !v.startsWith("*");
  if (log === undefined || log === null) return false;
  if (typeof log === "string") return isPath(log);
  const entries = Array.isArray(log) ? log : isRecord(log) ? Object.values(log) : [];
  return entries.some((e) => isPath(e) || (isRecord(e) && (e.to === "file" || isPath(e.filename))));
}

function admins(p: ProsodyOptions, b: SnapshotBuilder, hosts: string[]): void {
  const seen = new Set<string>();
  for (const base of [["global"], ...hosts.map((h) => ["virtualHosts", h])] as NativePath[]) {
    p.r.strings([...base, "admins"]).forEach((jid, i) => {
      if (!jid || seen.has(jid)) return;
      seen.add(jid);
      b.user({ id: jid, username: jid, roles: ["admin"], status: "active" }, [...base, "admins", i]);
      // The config names its admins, not its accounts: `users` is not every account (see SnapshotMetadata).
      if (seen.size === 1) b.set("metadata.usersListed", "admins", [...base, "admins", i]);
    });
  }
}

export const prosodyImporter: Importer = { platform: "prosody", detect, import: importProsody };
