// ejabberd through mod_http_api (POST /api/<command>), calling only the read-only commands allow-listed below.

import type { ImportResult } from "../importers/types.js";
import type { User } from "../snapshot/types.js";
import { baseSnapshot, isoOrNull } from "./common.js";
import { HttpStatusError, optional, type ApiClient } from "./http.js";
import type { CollectContext, Collector, CollectorOutput } from "./types.js";

/**
 * The only ejabberd API commands this collector may call. Each was checked on ejabberd 23.01 (`ejabberdctl help
 * <command>` and calls against a live node) to read without writing. Left out on purpose, although their names
 * read like queries: check_password / check_password_hash (an authentication attempt: logged, counted by
 * fail2ban-style lockouts), get_roster / get_vcard / private_get (personal data the audit does not need), and
 * connected_users_info / user_sessions_info (client IP addresses; the session count is enough).
 */
export const EJABBERD_READ_ONLY_COMMANDS: readonly string[] = Object.freeze([
  "status", // node status text, which carries the version
  "registered_vhosts", // the served virtual hosts
  "registered_users", // usernames of one vhost
  "get_last", // last activity of one account; only asked for accounts registered_users listed
  "connected_users_number", // number of established sessions
  "stats", // registeredusers | onlineusers | uptimeseconds | processes
]);

const STATS = ["registeredusers", "onlineusers", "uptimeseconds", "processes"] as const;
const ADMIN_API_PERMISSION = "an `api_permissions` rule granting the command to this account (e.g. who: access: allow: acl: admin)";

/** Call one allow-listed command. Anything else is a bug in the collector, never a request to the server. */
export function callCommand<T>(client: ApiClient, command: string, args: Record<string, string> = {}): Promise<T> {
  if (!EJABBERD_READ_ONLY_COMMANDS.includes(command)) {
    throw new Error(`refusing to call ejabberd command "${command}": it is not in the read-only allow-list`);
  }
  return client.post<T>(`/${command}`, args, { permission: ADMIN_API_PERMISSION });
}

/** "ejabberd 23.01-1 is running in that node" inside the status text -> "23.01-1". */
export function versionFromStatus(status: unknown): string | undefined {
  const text = typeof status === "string" ? status : JSON.stringify(status ?? "");
  return /ejabberd (\S+) is running in that node/.exec(text)?.[1];
}

/**
 * get_last's answer -> last activity. ejabberd answers every account, known or not: "NOT FOUND" comes with the
 * time of the query and "Registered but didn't login" with the registration time, so both mean "never active",
 * not "active just now". Older versions answered one string "<timestamp> <status>".
 */
export function lastActivity(answer: unknown): string | null {
  let timestamp: unknown;
  let status: unknown;
  if (typeof answer === "string") {
    const space = answer.indexOf(" ");
    timestamp = space < 0 ? answer : answer.slice(0, space);
    status = space < 0 ? "" : answer.slice(space + 1);
  } else if (answer && typeof answer === "object") {
    ({ timestamp, status } = answer as { timestamp?: unknown; status?: unknown });
  }
  const said = typeof status === "string" ? status.trim() : "";
  if (/^not found$/i.test(said) || /^registered but didn'?t log ?in$/i.test(said)) return null;
  return isoOrNull(timestamp);
}

/**
 * JIDs in the config's `acl: admin: user:` (and each `host_config.<vhost>.acl`). A bare username names that
 * user on every vhost the acl applies to. Other acl forms (user_regexp, user_glob, server) are not expanded.
 */
export function adminJids(config: ImportResult | undefined, vhosts: readonly string[]): Set<string> | undefined {
  if (!config) return undefined;
  const jids = new Set<string>();
  const settings = (config.snapshot.settings ?? {}) as Record<string, unknown>;
  addAclUsers(jids, settings.acl, vhosts);
  const hostConfig = settings.host_config;
  if (hostConfig && typeof hostConfig === "object") {
    for (const [host, section] of Object.entries(hostConfig as Record<string, unknown>)) {
      addAclUsers(jids, (section as Record<string, unknown> | null)?.acl, [host]);
    }
  }
  // An importer that already resolved admins into users is taken at its word as well.
  for (const user of config.snapshot.users ?? []) if (user.roles?.includes("admin")) jids.add(user.id.toLowerCase());
  return jids;
}

function addAclUsers(jids: Set<string>, acl: unknown, vhosts: readonly string[]): void {
  const admin = (acl as Record<string, unknown> | undefined)?.admin as Record<string, unknown> | undefined;
  const specs = admin?.user;
  for (const spec of Array.isArray(specs) ? specs : specs === undefined ? [] : [specs]) {
    if (typeof spec === "string") {
      if (spec.includes("@")) jids.add(spec.toLowerCase());
      else for (const host of vhosts) jids.add(`${spec}@${host}`.toLowerCase());
    } else if (spec && typeof spec === "object") {
      // The older map form: {username: server}.
      for (const [user, server] of Object.entries(spec as Record<string, unknown>)) {
        if (typeof server === "string") jids.add(`${user}@${server}`.toLowerCase());
      }
    }
  }
}

export const ejabberdCollector: Collector = {
  platform: "ejabberd",
  credentials: "basic",
  acceptsConfig: true,
  // mod_http_api can be mounted anywhere (/api by default): the URL given is the API root itself.
  apiBase: (url) => url,

  async collect(context: CollectContext, client: ApiClient): Promise<CollectorOutput> {
    const warnings: string[] = [];
    const status = await callCommand<unknown>(client, "status");
    const version = versionFromStatus(status);
    if (!version) warnings.push("ejabberd's status text did not name its version; software.version is left out");

    const vhosts = await callCommand<string[]>(client, "registered_vhosts");
    const accounts: { user: string; host: string }[] = [];
    for (const host of vhosts) {
      const users = await callCommand<string[]>(client, "registered_users", { host });
      for (const user of users) accounts.push({ user, host });
    }

    let lastUnavailable: string | undefined;
    const report = (done: number) => context.onProgress?.("users", done, accounts.length);
    const lastActive = await client.map(
      accounts,
      async ({ user, host }) => {
        if (lastUnavailable) return undefined;
        try {
          return lastActivity(await callCommand<unknown>(client, "get_last", { user, host }));
        } catch (e) {
          // get_last lives in mod_admin_extra; without it (404) or without the right (403) users keep no lastActiveAt.
          if (e instanceof HttpStatusError && (e.status === 404 || e.status === 403)) {
            lastUnavailable ??= e.message;
            return undefined;
          }
          throw e;
        }
      },
      report,
    );
    if (lastUnavailable) warnings.push(`get_last is not available, users have no lastActiveAt (${lastUnavailable})`);

    const admins = adminJids(context.config, vhosts);
    if (!admins) warnings.push("no --config given: admins come from the config's acl, so users carry no roles");
    const users: User[] = accounts.map(({ user, host }, i) => {
      const id = `${user}@${host}`;
      const entry: User = { id, username: user, status: "active" };
      if (admins) entry.roles = admins.has(id.toLowerCase()) ? ["admin"] : [];
      if (lastActive[i] !== undefined) entry.lastActiveAt = lastActive[i];
      return entry;
    });

    const sessions = await optional(callCommand<{ num_sessions?: number }>(client, "connected_users_number"));
    const stats: Record<string, number> = {};
    for (const name of STATS) {
      const answer = await optional(callCommand<{ stat?: number }>(client, "stats", { name }));
      if (typeof answer?.stat === "number") stats[name] = answer.stat;
    }

    const snapshot = baseSnapshot("ejabberd", context.name ?? vhosts[0] ?? "ejabberd", context.collectedAt);
    snapshot.software = { product: "ejabberd", ...(version ? { version } : {}) };
    snapshot.users = users;
    // ejabberd has no role objects: the acl named `admin` is what grants administration.
    if (admins) snapshot.roles = [{ name: "admin", admin: true }];
    snapshot.settings = {
      collected: {
        vhosts,
        ...(typeof sessions?.num_sessions === "number" ? { sessions: sessions.num_sessions } : {}),
        stats,
      },
    };
    return { snapshot, warnings };
  },
};
