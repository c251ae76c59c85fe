// Endpoint facts shared by the importers: listener URLs, exposure from bind addresses and hosts, TLS version
// spellings, and database DSNs read for host and TLS mode (never for their credentials).

import { isIP } from "node:net";
import type { Endpoint } from "../snapshot/types.js";
import { safeUrl } from "./redact.js";

const WILDCARD_HOSTS = new Set(["", "*", "0.0.0.0", "::", "[::]", "::0", "0:0:0:0:0:0:0:0"]);

/** Host without IPv6 brackets, lower-cased. */
function bare(host: string): string {
  return host.trim().replace(/^\[|\]$/g, "").toLowerCase();
}

/** Whether a bind address means every interface (absent, "*", 0.0.0.0, ::). */
export function isWildcardHost(host: string | undefined): boolean {
  return host === undefined || WILDCARD_HOSTS.has(bare(host)) || WILDCARD_HOSTS.has(host.trim());
}

/** Whether a host only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = bare(host).replace(/\.$/, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || h === "ip6-localhost" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function isPrivateAddress(host: string): boolean {
  const h = bare(host);
  if (isIP(h) === 4) {
    const [a, b] = h.split(".").map(Number) as [number, number];
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(h) === 6) return /^f[cd]/.test(h) || /^fe[89ab]/.test(h);
  return false;
}

/**
 * Where a listener bound to `host`, or a connection to `host`, can be reached from: every interface or a
 * public address or name is public; loopback, private ranges and single-label names (docker, k8s
 * services) are internal.
 */
export function exposureOfHost(host: string | undefined): "public" | "internal" {
  if (isWildcardHost(host)) return "public";
  const h = bare(host!);
  if (isLoopbackHost(h) || isPrivateAddress(h)) return "internal";
  if (isIP(h) === 0 && !h.includes(".")) return "internal";
  return "public";
}

/**
 * Exposure of a server this platform connects to (database, SMTP, LDAP, storage): internal when the name
 * says so (loopback, private range, single label); otherwise unknown, because a connection string names where
 * the platform connects, not who else can reach that server.
 */
export function targetExposure(host: string): { exposure?: "internal" } {
  return !isWildcardHost(host) && exposureOfHost(host) === "internal" ? { exposure: "internal" } : {};
}

/** Public when any of the addresses is; an empty list means every interface. */
export function exposureOfHosts(hosts: readonly string[]): "public" | "internal" {
  if (hosts.length === 0) return "public";
  return hosts.some((h) => exposureOfHost(h) === "public") ? "public" : "internal";
}

/** The address a URL should show for a set of bind addresses: the most exposed one, else the first. */
export function representativeHost(hosts: readonly string[]): string {
  if (hosts.length === 0) return "0.0.0.0";
  return hosts.find((h) => exposureOfHost(h) === "public") ?? hosts[0]!;
}

/** "scheme://host:port/path" with IPv6 literals bracketed and "*" or "" shown as 0.0.0.0. */
export function listenerUrl(scheme: string, host: string | undefined, port: number | string | undefined, path = ""): string {
  let h = host === undefined || host.trim() === "" || host.trim() === "*" ? "0.0.0.0" : bare(host);
  if (isIP(h) === 6) h = `[${h}]`;
  const p = port === undefined || port === "" ? "" : `:${port}`;
  return `${scheme}://${h}${p}${path && !path.startsWith("/") ? `/${path}` : path}`;
}

/** Split "host:port", ":port", "[v6]:port" or "host"; the port is undefined when absent. */
export function splitHostPort(address: string): { host: string; port?: number } {
  const text = address.trim();
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : undefined };
  if (isIP(text) === 6) return { host: text };
  const cut = text.lastIndexOf(":");
  if (cut === -1) return { host: text };
  const port = text.slice(cut + 1);
  return /^\d+$/.test(port) ? { host: text.slice(0, cut), port: Number(port) } : { host: text };
}

/** A parsed URL, or undefined when the text is not one. */
export function parseUrl(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text.trim());
  } catch {
    return undefined;
  }
}

/** The host of a URL without brackets. */
export function urlHost(url: URL): string {
  return bare(url.hostname);
}

/**
 * An endpoint for a configured URL: TLS from the scheme, credentials removed from the URL that is shown.
 * A URL users reach the platform at (`served`) is public unless its host is internal; a server the platform
 * connects to (search, storage, push) is internal or of unknown exposure. Undefined when the text is not a URL.
 */
export function endpointFromUrl(name: string, kind: Endpoint["kind"], text: string | undefined, role: "served" | "target"): Endpoint | undefined {
  const url = parseUrl(text);
  if (!url || !url.hostname) return undefined;
  const secure = ["https:", "wss:", "ldaps:", "smtps:", "rediss:", "mqtts:"].includes(url.protocol);
  const exposure = role === "served" ? { exposure: exposureOfHost(url.hostname) } : targetExposure(url.hostname);
  return { name, url: safeUrl(text!.trim()), kind, ...exposure, tls: { enabled: secure } };
}

const TLS_VERSIONS = ["1.0", "1.1", "1.2", "1.3"];

/**
 * A TLS version spelled any way the platforms do ("1", "1.2", "TLS1.2", "TLSv1.2", "tlsv1_2", "tlsv1_2+")
 * as "1.0" / "1.1" / "1.2" / "1.3"; SSLv3 and "sslv23" (OpenSSL's "anything") become "1.0" as the floor.
 */
export function normalizeTlsVersion(value: unknown): string | undefined {
  if (typeof value === "number") value = String(value);
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase().replace(/\+$/, "").replace(/^tls\s*v?/, "").replace(/_/g, ".");
  if (/^sslv?(2|3|23)$/.test(text)) return "1.0";
  const version = /^\d$/.test(text) ? `${text}.0` : text;
  return TLS_VERSIONS.includes(version) ? version : undefined;
}

/**
 * The lowest TLS version OpenSSL-style protocol options leave enabled (ejabberd's `protocol_options`):
 * each `no_tlsv1`, `no_tlsv1_1`, `no_tlsv1_2` removes one; undefined when no option is set.
 */
export function minTlsFromProtocolOptions(options: readonly string[] | undefined): string | undefined {
  if (!options) return undefined;
  const disabled = new Set(options.map((o) => o.trim().toLowerCase()));
  const order: [string, string][] = [["1.0", "no_tlsv1"], ["1.1", "no_tlsv1_1"], ["1.2", "no_tlsv1_2"], ["1.3", "no_tlsv1_3"]];
  return order.find(([, flag]) => !disabled.has(flag))?.[0];
}

/** What a database DSN tells about the connection, without its credentials. */
export interface DatabaseTarget {
  url: string;
  host: string;
  tls: { enabled: boolean; verifyCertificates: boolean };
}

/**
 * Read a Mattermost-style DSN: a postgres URL (`postgres://u:p@host:5432/db?sslmode=...`, libpq's default
 * sslmode `require` when absent as lib/pq does) or a Go MySQL DSN (`u:p@tcp(host:3306)/db?tls=...`, no TLS
 * unless `tls` says so). Undefined when the text is neither.
 */
export function parseDatabaseDsn(dsn: string): DatabaseTarget | undefined {
  const url = parseUrl(dsn);
  if (url && (url.protocol === "postgres:" || url.protocol === "postgresql:")) {
    const host = urlHost(url) || "localhost";
    const port = url.port || "5432";
    const sslmode = url.searchParams.get("sslmode") ?? undefined;
    return { url: listenerUrl("postgres", host, port, url.pathname), host, tls: postgresSslmodeTls(sslmode, "require") };
  }
  // The credentials run to the last "@" before the protocol: a password may contain "@".
  const mysql = /^(?:.*@)?(tcp|unix)\(([^)]*)\)\/([^?]*)(?:\?(.*))?$/.exec(dsn.trim());
  if (mysql) {
    const { host, port } = mysql[1] === "unix" ? { host: "localhost", port: undefined } : splitHostPort(mysql[2] || "127.0.0.1:3306");
    const params = new URLSearchParams(mysql[4] ?? "");
    const tls = (params.get("tls") ?? "false").toLowerCase();
    const enabled = tls !== "false" && tls !== "preferred";
    return {
      url: listenerUrl("mysql", host || "127.0.0.1", port ?? 3306, `/${mysql[3]}`),
      host: host || "127.0.0.1",
      tls: { enabled, verifyCertificates: enabled && tls !== "skip-verify" },
    };
  }
  return undefined;
}

/** libpq sslmode (Synapse's psycopg2 args, default `prefer`): TLS only counts when it is required. */
export function postgresSslmodeTls(sslmode: string | undefined, fallback: string): { enabled: boolean; verifyCertificates: boolean } {
  const mode = (sslmode ?? fallback).toLowerCase();
  return { enabled: ["require", "verify-ca", "verify-full"].includes(mode), verifyCertificates: mode === "verify-ca" || mode === "verify-full" };
}
