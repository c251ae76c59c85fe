// chataudit's domain operations for JSON Logic: dates against the evaluation clock, versions,
// URLs and TLS versions. Pure: the clock is passed in, never read from the system.

import { createRequire } from "node:module";
import type { SemVer } from "semver";

/**
 * The three semver functions used, from the package's own per-function modules: the whole of semver (ranges and all)
 * costs four times as long to load. Required on the first version read, so that nothing loads it for a scan that
 * compares no versions; semver is CommonJS, so the version operations stay synchronous.
 */
interface SemverFunctions {
  parse: typeof import("semver/functions/parse.js");
  coerce: typeof import("semver/functions/coerce.js");
  compare: typeof import("semver/functions/compare.js");
}

let semverFunctions: SemverFunctions | undefined;

function semver(): SemverFunctions {
  if (!semverFunctions) {
    const require = createRequire(import.meta.url);
    semverFunctions = {
      parse: require("semver/functions/parse") as SemverFunctions["parse"],
      coerce: require("semver/functions/coerce") as SemverFunctions["coerce"],
      compare: require("semver/functions/compare") as SemverFunctions["compare"],
    };
  }
  return semverFunctions;
}

/** What an operation may know besides its arguments. */
export interface OperationContext {
  /** Evaluation clock, epoch milliseconds (from --as-of). */
  asOf: number;
}

export type Operation = (ctx: OperationContext, ...args: unknown[]) => unknown;

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** The last date text parseDate read, and what it read it as. */
let lastDateText: string | undefined;
let lastDateMs: number | null = null;

/**
 * Epoch ms of an ISO 8601 date or date-time, or null when absent or malformed.
 * A date without a time is midnight UTC; a date-time without a zone is taken as UTC, so that
 * results never depend on the time zone of the machine running the scan.
 */
export function parseDate(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  // A policy reads the same date twice in a row (its compute rule, then its assertion): the second read is free.
  if (value === lastDateText) return lastDateMs;
  const fast = canonicalDate(value);
  const ms = fast !== undefined ? fast : parseDateGeneral(value);
  lastDateText = value;
  lastDateMs = ms;
  return ms;
}

/** The general ISO 8601 reader behind parseDate's fast path (exported so a test can hold the two equal). */
export function parseDateGeneral(value: unknown): number | null {
  if (typeof value !== "string" || !ISO_DATE.test(value)) return null;
  let text = value.replace(" ", "T");
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += "T00:00:00Z";
  else if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) text += "Z";
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2024-02-30 over to March; refuse dates that do not exist.
  const [y, m, d] = value.slice(0, 10).split("-").map(Number);
  const check = new Date(Date.UTC(y!, m! - 1, d!));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m! - 1 || check.getUTCDate() !== d) return null;
  return ms;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i += 1) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The two spellings snapshots nearly always use, "2026-05-31" and "2026-05-31T08:00:00Z" (optionally
 * with milliseconds), read without regular expressions or Date.parse: this runs several times per user.
 * undefined means "not one of those": the general parser decides.
 */
export function canonicalDate(s: string): number | null | undefined {
  const n = s.length;
  if (n !== 10 && n !== 20 && n !== 24) return undefined;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 100 || m < 1 || m > 12 || d < 1) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!)) return undefined;
  if (n === 10) return Date.UTC(y, m - 1, d);
  if (s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(n - 1) !== 90) return undefined;
  const hh = digits(s, 11, 2);
  const mm = digits(s, 14, 2);
  const ss = digits(s, 17, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) return undefined;
  let ms = 0;
  if (n === 24) {
    if (s.charCodeAt(19) !== 46) return undefined;
    ms = digits(s, 20, 3);
    if (ms < 0) return undefined;
  }
  return Date.UTC(y, m - 1, d, hh, mm, ss, ms);
}

function elapsed(ctx: OperationContext, date: unknown, unit: number): number | null {
  const ms = parseDate(date);
  return ms === null ? null : (ctx.asOf - ms) / unit;
}

const parsedVersions = new Map<string, SemVer | null>();

/**
 * A semver for versions as chat platforms spell them: "23.01", "10.11", "v1.98.0",
 * "0.12.3-1+deb12u1", "9.11.2 (build 123)". Null when nothing version-like is there.
 */
export function parseVersion(value: unknown): SemVer | null {
  if (typeof value === "number") value = String(value);
  if (typeof value !== "string" || value.trim() === "") return null;
  // Versions repeat across policies and snapshots; a SemVer is only ever read here, never changed.
  const known = parsedVersions.get(value);
  if (known !== undefined) return known;
  const parsed = parseVersionText(value);
  if (parsedVersions.size >= 10_000) parsedVersions.clear();
  parsedVersions.set(value, parsed);
  return parsed;
}

function parseVersionText(value: string): SemVer | null {
  const text = value
    .trim()
    .replace(/^v/i, "")
    // A package revision ("23.01-1", "0.12.3-1+deb12u1") is not a pre-release: keep the upstream version.
    .replace(/-\d+(\+[0-9A-Za-z.~+-]*)?$/, "")
    // Calendar versions ("23.01") have leading zeros semver refuses.
    .replace(/(^|\.)0+(\d)/g, "$1$2");
  const { parse, coerce } = semver();
  return parse(text, { loose: true }) ?? coerce(text, { includePrerelease: true });
}

function compareVersions(a: unknown, b: unknown): number | null {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  return va && vb ? semver().compare(va, vb) : null;
}

const TLS_ORDER = ["ssl2", "ssl3", "1.0", "1.1", "1.2", "1.3"];

/** "TLSv1.2", "tlsv1_2", "TLS1.2", "1.2", "1" and "sslv3" normalised to an ordinal; null if unknown. */
export function tlsRank(value: unknown): number | null {
  if (typeof value === "number") value = String(value);
  if (typeof value !== "string") return null;
  let text = value.trim().toLowerCase().replace(/^tls\s*v?/, "").replace(/_/g, ".");
  if (/^sslv?2$/.test(text)) text = "ssl2";
  else if (/^sslv?3$/.test(text)) text = "ssl3";
  else if (/^\d$/.test(text)) text = `${text}.0`;
  const rank = TLS_ORDER.indexOf(text);
  return rank === -1 ? null : rank;
}

/** What the URL operations read of a URL: its scheme (lower case, no colon) and host name. */
interface UrlParts {
  scheme: string;
  hostname: string;
}

/**
 * Parsed URLs by text. The same few endpoint URLs are read by several policies in each of thousands of snapshots,
 * and WHATWG parsing costs microseconds each; bounded, so a snapshot of unique URLs cannot grow it without end.
 */
const parsedUrls = new Map<string, UrlParts | null>();
const PARSED_URLS_MAX = 4096;

function parseUrl(value: unknown): UrlParts | null {
  if (typeof value !== "string" || value === "") return null;
  let parts = parsedUrls.get(value);
  if (parts === undefined) {
    try {
      const url = new URL(value);
      parts = { scheme: url.protocol.replace(/:$/, "").toLowerCase(), hostname: url.hostname };
    } catch {
      parts = null;
    }
    if (parsedUrls.size >= PARSED_URLS_MAX) parsedUrls.clear();
    parsedUrls.set(value, parts);
  }
  return parts;
}

const LOOPBACK_HOSTS = new Set(["localhost", "::1", "[::1]", "ip6-localhost"]);

/** Whether a host name or address (no port) only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return LOOPBACK_HOSTS.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h.endsWith(".localhost");
}

function hostOf(value: unknown): string | null {
  if (typeof value !== "string" || value === "") return null;
  const url = parseUrl(value);
  if (url && url.hostname) return url.hostname.replace(/^\[|\]$/g, "");
  // A bare host, host:port, [v6]:port or v6 address.
  const bracketed = /^\[([^\]]+)\](:\d+)?$/.exec(value);
  if (bracketed) return bracketed[1]!;
  const colons = value.split(":").length - 1;
  return (colons === 1 ? value.replace(/:\d+$/, "") : value) || null;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * The registry. Each takes the context first, then the rule's arguments. Missing or malformed
 * input yields null (so that comparisons against it are false and `requires` can say why),
 * never an exception.
 */
export const OPERATIONS: Record<string, Operation> = {
  // --- dates against the evaluation clock ---
  /** Days from a date to the evaluation clock (fractional; negative for future dates). */
  days_since: (ctx, date) => elapsed(ctx, date, MS_PER_DAY),
  /** Hours from a date to the evaluation clock. */
  hours_since: (ctx, date) => elapsed(ctx, date, MS_PER_HOUR),
  /** Days from the evaluation clock until a date (negative once it has passed). */
  days_until: (ctx, date) => {
    const ms = parseDate(date);
    return ms === null ? null : (ms - ctx.asOf) / MS_PER_DAY;
  },
  /** Whether a value is a well-formed ISO 8601 date or date-time. */
  is_date: (_ctx, date) => parseDate(date) !== null,
  /** The latest of a list of dates (ISO string as given), skipping malformed ones; null if none. */
  latest: (_ctx, dates) => {
    let best: unknown = null;
    let bestMs = -Infinity;
    for (const d of asArray(dates)) {
      const ms = parseDate(d);
      if (ms !== null && ms > bestMs) {
        bestMs = ms;
        best = d;
      }
    }
    return best;
  },

  // --- versions (semver, coercing "23.01", "10.11", Debian revisions) ---
  /** -1, 0 or 1 as a < b, a == b, a > b; null if either is not a version. */
  version_compare: (_ctx, a, b) => compareVersions(a, b),
  version_lt: (_ctx, a, b) => { const c = compareVersions(a, b); return c === null ? null : c < 0; },
  version_lte: (_ctx, a, b) => { const c = compareVersions(a, b); return c === null ? null : c <= 0; },
  version_gte: (_ctx, a, b) => { const c = compareVersions(a, b); return c === null ? null : c >= 0; },
  version_valid: (_ctx, a) => parseVersion(a) !== null,
  /** Major releases the installed version is behind the latest (0 when current or ahead). */
  major_behind: (_ctx, installed, latest) => {
    const a = parseVersion(installed); const b = parseVersion(latest);
    return a && b ? Math.max(0, b.major - a.major) : null;
  },
  /** Minor releases behind within the same major; when the major differs, the latest's minor + 1. */
  minor_behind: (_ctx, installed, latest) => {
    const a = parseVersion(installed); const b = parseVersion(latest);
    if (!a || !b) return null;
    if (b.major > a.major) return b.minor + 1;
    if (b.major < a.major) return 0;
    return Math.max(0, b.minor - a.minor);
  },
  /** Patch releases behind within the same major.minor; 0 when the minor differs. */
  patch_behind: (_ctx, installed, latest) => {
    const a = parseVersion(installed); const b = parseVersion(latest);
    if (!a || !b) return null;
    return a.major === b.major && a.minor === b.minor ? Math.max(0, b.patch - a.patch) : 0;
  },

  // --- URLs and hosts ---
  /** Lower-case scheme without the colon ("https"), null if not a URL. */
  url_scheme: (_ctx, url) => parseUrl(url)?.scheme ?? null,
  /** Host name of a URL (or a bare host[:port]), brackets of IPv6 literals removed. */
  url_host: (_ctx, url) => hostOf(url),
  /** Whether a URL's scheme is one of the listed ones (case-insensitive). */
  url_scheme_in: (_ctx, url, schemes) => {
    const scheme = parseUrl(url)?.scheme;
    return scheme ? asArray(schemes).some((s) => typeof s === "string" && s.toLowerCase() === scheme) : null;
  },
  /** Whether a URL, host or address only reaches the local machine (localhost, 127/8, ::1). */
  is_loopback: (_ctx, hostOrUrl) => {
    const host = hostOf(hostOrUrl);
    return host === null ? null : isLoopbackHost(host);
  },

  // --- TLS versions ---
  /** -1, 0, 1 comparing TLS versions spelled any common way; null if either is unknown. */
  tls_compare: (_ctx, a, b) => {
    const ra = tlsRank(a); const rb = tlsRank(b);
    return ra === null || rb === null ? null : Math.sign(ra - rb);
  },
  /** Whether TLS version a is at least b. */
  tls_at_least: (_ctx, a, b) => {
    const ra = tlsRank(a); const rb = tlsRank(b);
    return ra === null || rb === null ? null : ra >= rb;
  },

  // --- collections and strings ---
  /** Length of an array or string; 0 for anything else. */
  count: (_ctx, value) => (Array.isArray(value) || typeof value === "string" ? value.length : 0),
  /** Whether two lists share an element. */
  intersects: (_ctx, a, b) => {
    const left = asArray(a);
    const right = asArray(b);
    // A user's roles against a handful of admin roles: a nested loop beats building a Set per user.
    if (left.length * right.length <= 64) return left.some((x) => right.includes(x));
    const set = new Set(right);
    return left.some((x) => set.has(x));
  },
  /** part / whole as a fraction; null when whole is 0 or not a number. */
  ratio: (_ctx, part, whole) => {
    const p = num(part); const w = num(whole);
    return p === null || w === null || w === 0 ? null : p / w;
  },
  lower: (_ctx, s) => (typeof s === "string" ? s.toLowerCase() : null),
  /** Whether a string starts with a prefix. */
  starts_with: (_ctx, s, prefix) => typeof s === "string" && typeof prefix === "string" && s.startsWith(prefix),
  /** Whether a value is present: not undefined, null or the empty string. */
  present: (_ctx, v) => v !== undefined && v !== null && v !== "",
  /** A string without surrounding white space (so that "  " is not a present value); null for non-strings. */
  trim: (_ctx, s) => (typeof s === "string" ? s.trim() : null),
};

/** json-logic-js operations chataudit allows besides its own. Not among them: `method` (calls arbitrary
 * methods on data) and `log` (writes to the console): a policy can neither run code nor print. */
export const STANDARD_OPERATIONS = [
  "var", "missing", "missing_some", "if", "?:", "==", "===", "!=", "!==", "!", "!!", "or", "and",
  ">", ">=", "<", "<=", "max", "min", "+", "-", "*", "/", "%", "in", "cat", "substr", "merge",
  "map", "filter", "reduce", "all", "none", "some",
] as const;
