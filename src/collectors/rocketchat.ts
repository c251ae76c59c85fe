// Rocket.Chat through its REST API (GET only): version, users and settings page by page; the settings go
// through the Rocket.Chat importer, which normalizes them and redacts secrets, exactly as for an export file.

import { getImporter } from "../importers/index.js";
import type { User } from "../snapshot/types.js";
import { baseSnapshot, collectPages, hostOf, isoOrNull, stripApiPath } from "./common.js";
import { displayUrl, optional, type ApiClient } from "./http.js";
import { mergeConfig } from "./merge.js";
import type { CollectContext, Collector, CollectorOutput } from "./types.js";

/** Rocket.Chat caps count at API_Upper_Count_Limit, 100 by default. */
const ROCKETCHAT_PAGE_SIZE = 100;

/** The fields of a listed user this collector reads (developer.rocket.chat users.list). */
interface RocketChatUser {
  _id: string;
  username?: string;
  roles?: string[];
  active?: boolean;
  /** ISO date-time of the last login; absent for accounts that never logged in. */
  lastLogin?: string;
  type?: string;
}

interface RocketChatSetting {
  _id: string;
  value?: unknown;
  packageValue?: unknown;
  [key: string]: unknown;
}

interface OffsetPage {
  count?: number;
  offset?: number;
  total?: number;
}

const ADMIN = "the admin role (view-user-administration and view-privileged-setting)";

export const rocketchatCollector: Collector = {
  platform: "rocketchat",
  credentials: "user-token",
  // Rocket.Chat keeps its settings in MongoDB, not in a file: they are read from /api/v1/settings instead.
  acceptsConfig: false,
  apiBase: (url) => stripApiPath(url, /\/api(\/v1)?\/?$/),

  async collect(context: CollectContext, client: ApiClient): Promise<CollectorOutput> {
    const warnings: string[] = [];
    const version = await installedVersion(client);
    if (!version) warnings.push("neither /api/info nor /api/v1/info reported a version; software.version is left out");

    const count = context.pageSize ?? ROCKETCHAT_PAGE_SIZE;
    const apiUsers = await offsetPaged<RocketChatUser>(client, "/api/v1/users.list", "users", { count }, (done, total) =>
      context.onProgress?.("users", done, total),
    );
    const settings = await offsetPaged<RocketChatSetting>(client, "/api/v1/settings", "settings", { count, includeDefaults: true }, (done, total) =>
      context.onProgress?.("settings", done, total),
    );

    const siteUrl = settings.find((s) => s._id === "Site_Url")?.value;
    const collected = baseSnapshot("rocketchat", context.name ?? hostOf(siteUrl) ?? client.baseHost, context.collectedAt);
    collected.software = { product: "rocketchat", ...(version ? { version } : {}) };
    collected.users = apiUsers.map(toUser);
    collected.roles = [{ name: "admin", builtIn: true, admin: true }];

    const importer = getImporter("rocketchat");
    if (!importer) {
      warnings.push("no Rocket.Chat importer is available: settings were read but are left out (they could not be redacted)");
      return { snapshot: collected, warnings };
    }
    // The same document `GET /api/v1/settings` pages through, whole: what the importer takes as an export file.
    const exported = { settings, count: settings.length, offset: 0, total: settings.length, success: true };
    const imported = importer.import(
      { path: displayUrl(new URL(`${client.baseUrl.replace(/\/+$/, "")}/api/v1/settings`)), text: JSON.stringify(exported) },
      { collectedAt: context.collectedAt, name: collected.metadata.name },
    );
    return { snapshot: mergeConfig(collected, imported).snapshot, warnings };
  },
};

/** /api/info answers {version} on current servers; older ones answer /api/v1/info with {info: {version}}. */
async function installedVersion(client: ApiClient): Promise<string | undefined> {
  for (const path of ["/api/info", "/api/v1/info"]) {
    const answer = await optional(client.get<{ version?: unknown; info?: { version?: unknown } }>(path));
    const version = answer?.version ?? answer?.info?.version;
    if (typeof version === "string" && version) return version;
  }
  return undefined;
}

/** Rocket.Chat's paging: count + offset in, {<items>, count, offset, total} out. */
function offsetPaged<T>(
  client: ApiClient,
  path: string,
  key: string,
  query: { count: number } & Record<string, string | number | boolean>,
  onProgress: (done: number, total?: number) => void,
): Promise<T[]> {
  return collectPages<T, number>(
    `Rocket.Chat ${key}`,
    0,
    async (offset) => {
      const page = await client.get<OffsetPage & Record<string, unknown>>(path, {
        query: { ...query, offset },
        permission: ADMIN,
      });
      const items = Array.isArray(page[key]) ? (page[key] as T[]) : [];
      // Advance by what came back, not by what was asked: the server caps count at its own limit.
      const reached = offset + items.length;
      const more = typeof page.total === "number" ? reached < page.total : items.length === query.count;
      return { items, next: more ? reached : undefined, total: page.total };
    },
    onProgress,
  );
}

function toUser(u: RocketChatUser): User {
  const roles = u.roles ?? [];
  const user: User = {
    id: u._id,
    roles,
    status: u.active === false ? "deactivated" : "active",
    lastActiveAt: isoOrNull(u.lastLogin),
    guest: roles.includes("guest"),
    bot: u.type === "bot" || u.type === "app" || roles.includes("bot"),
  };
  if (u.username) user.username = u.username;
  return user;
}
