// The one redaction every importer uses: secret keys (named in KEYS.md or by their names) and credentials
// inside URLs and DSNs are replaced before any policy, report or log can see them.

import { isRecord, MAX_DEPTH } from "./native.js";

/** What a redacted value becomes in the snapshot's `settings`. */
export const REDACTED = "[REDACTED]";

/** What a password inside a URL or DSN becomes ("postgres://mmuser:***@db/mattermost"). */
const MASK = "***";

/**
 * Per-platform rules on top of the name heuristics. Paths are dotted native paths where `*` matches any one
 * key or list index ("oidc_providers.*.client_secret").
 */
export interface SecretRules {
  /** Keys that are secrets whatever they are called (KEYS.md lists them per platform). */
  secrets?: readonly string[];
  /** Subtrees where every string and number is a secret (Mattermost's PluginSettings.Plugins). */
  secretTrees?: readonly string[];
  /** Keys whose names look secret but hold file paths, safe to show (Prosody's ssl.key). */
  notSecrets?: readonly string[];
}

// Words that make a key a secret wherever they appear in its name.
const SECRET_WORDS = new Set([
  "password", "passwd", "pwd", "passphrase", "secret", "secrets", "salt", "token", "tokens",
  "credential", "credentials", "dsn", "apikey", "privatekey",
]);
// Words that make a key a secret only as the last word ("SplitKey", "smtp_pass"), not in "trusted_key_servers".
const SECRET_LAST_WORDS = new Set(["key", "keys", "pass"]);
// A last word that says the value is a file path, not the secret itself.
const PATH_WORDS = new Set(["path", "paths", "file", "filename", "dir", "directory", "folder"]);
// A last word that says the value describes a secret rather than being one ("password_config",
// "refresh_token_lifetime", "auth_password_format", "PasswordSettings").
const QUALIFIER_WORDS = new Set([
  "lifetime", "ttl", "expiry", "expiration", "length", "size", "interval", "timeout", "age", "count",
  "enabled", "enable", "type", "format", "algorithm", "algorithms", "policy", "config", "settings",
  "period", "hours", "days", "minutes", "seconds", "mode", "level", "provider", "providers", "required",
]);

/** Words of a key name: camelCase, ACRONYMWords, snake_case, kebab-case and dotted parts, lower-cased. */
export function keyWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * Whether a key's name says its value is a secret: a word like password, secret, salt, token, credential,
 * DSN or data source anywhere, or "key"/"pass" at the end; not when the name ends in a path word
 * (`signing_key_path`, `TLSKeyFile`) or a qualifier (`password_config`, `refresh_token_lifetime`).
 */
export function isSecretKeyName(name: string): boolean {
  const words = keyWords(name);
  if (words.length === 0) return false;
  const last = words[words.length - 1]!;
  if (PATH_WORDS.has(last) || QUALIFIER_WORDS.has(last)) return false;
  if (words.join("").includes("datasource")) return true;
  if (SECRET_LAST_WORDS.has(last)) return true;
  return words.some((w, i) => SECRET_WORDS.has(w) || (w === "key" && words[i + 1] === "id"));
}

// The password part runs to the last "@" before a space: an unencoded "@" or "/" in it must not end the match
// early and leave the rest of the password in the text. The scheme is bounded (real ones are short): unbounded,
// each letter of "a.a.a.…" would start a scan to the end of the value, quadratic in a hostile config.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([^/\s:@?#]*):([^\s"']*)@/gi;
const GO_MYSQL_DSN = /(^|[\s"'])([^\s:@/"']+):([^\s"']*)@(tcp|unix|udp)\(/gi;
const SECRET_QUERY = /([?&;](?:password|passwd|pass|pwd|secret|token|access_?token|api_?key|sslpassword|key)=)[^&#;\s]*/gi;
const KEY_VALUE_PASSWORD = /(\b(?:password|passwd|pwd)\s*=\s*)('[^']*'|"[^"]*"|[^\s;]+)/gi;

/**
 * Mask credentials inside a free-text value: URL passwords (`scheme://user:pass@host`), Go MySQL DSNs
 * (`user:pass@tcp(...)`), secret query parameters and libpq `password=...` pairs.
 */
export function maskCredentials(text: string): string {
  if (!/[@=]/.test(text)) return text;
  return text
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`)
    .replace(GO_MYSQL_DSN, (_m, lead: string, user: string, _pass: string, net: string) => `${lead}${user}:${MASK}@${net}(`)
    .replace(SECRET_QUERY, (_m, name: string) => `${name}${MASK}`)
    .replace(KEY_VALUE_PASSWORD, (_m, name: string) => `${name}${MASK}`);
}

function compile(patterns: readonly string[] | undefined): string[][] {
  return (patterns ?? []).map((p) => p.split("."));
}

function matches(patterns: string[][], path: readonly string[]): boolean {
  return patterns.some((p) => p.length === path.length && p.every((seg, i) => seg === "*" || seg === path[i]));
}

/** A scalar that carries no secret even under a secret key: booleans, null, the empty string. */
function harmless(value: unknown): boolean {
  return value === null || value === undefined || typeof value === "boolean" || value === "";
}

/**
 * A deep copy of a native config with every secret replaced by "[REDACTED]" and credentials inside other
 * strings masked. Keys keep their order; booleans and empty strings under secret keys stay (they say whether
 * a secret is set, not what it is).
 */
export function redactConfig(value: unknown, rules: SecretRules = {}): unknown {
  const secrets = compile(rules.secrets);
  const trees = compile(rules.secretTrees);
  const safe = compile(rules.notSecrets);

  const walk = (v: unknown, path: string[], secretScope: boolean, depth: number): unknown => {
    if (depth > MAX_DEPTH) return REDACTED;
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, String(i)], secretScope, depth + 1));
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(v)) {
        const childPath = [...path, key];
        const explicit = matches(secrets, childPath);
        const tree = secretScope || matches(trees, childPath);
        const named = !matches(safe, childPath) && isSecretKeyName(key);
        let redacted: unknown;
        if (tree) redacted = walk(child, childPath, true, depth + 1);
        else if (explicit || named) {
          // A mapping under a secret-looking name is judged key by key (password_config.policy.minimum_length);
          // a list or scalar under it is the secret itself (DataSourceReplicas, SMTPPassword).
          redacted = isRecord(child) && !explicit ? walk(child, childPath, false, depth + 1) : walk(child, childPath, true, depth + 1);
        } else redacted = walk(child, childPath, false, depth + 1);
        // defineProperty keeps a "__proto__" key as plain data instead of replacing the copy's prototype.
        Object.defineProperty(out, key, { value: redacted, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    if (secretScope) return harmless(v) ? v : REDACTED;
    return typeof v === "string" ? maskCredentials(v) : v;
  };
  return walk(value, [], false, 0);
}

/** A URL as it may appear in a report: credentials dropped, secret query parameters masked. */
export function safeUrl(url: string): string {
  return maskCredentials(url).replace(/(:\/\/)[^/\s@]*:\*\*\*@/, "$1");
}
