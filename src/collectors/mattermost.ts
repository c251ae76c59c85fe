// Mattermost through its REST API v4 (GET only): version, users page by page, and the role catalogue.

import type { Role, User } from "../snapshot/types.js";
import { baseSnapshot, collectPages, epochMsToIso, hostOf, stripApiPath } from "./common.js";
import { optional, type ApiClient } from "./http.js";
import type { CollectContext, Collector, CollectorOutput } from "./types.js";

/** Mattermost caps per_page at 200. */
const MATTERMOST_PAGE_SIZE = 200;

/** The fields of a Mattermost user this collector reads (api/v4/source/users.yaml); everything else is ignored. */
interface MattermostUser {
  id: string;
  username?: string;
  /** Space-separated role ids: "system_user system_admin". */
  roles?: string;
  /** 0 = active, otherwise when the account was deactivated (ms). */
  delete_at?: number;
  last_activity_at?: number;
  last_login?: number;
  mfa_active?: boolean;
  is_bot?: boolean;
}

interface MattermostRole {
  name: string;
  permissions?: string[];
  built_in?: boolean;
  delete_at?: number;
}

const SYSTEM_ADMIN_ROLE = "system_admin";
const ADMIN_PERMISSION = "a system admin (the manage_system permission)";

export const mattermostCollector: Collector = {
  platform: "mattermost",
  credentials: "bearer",
  acceptsConfig: true,
  // Requests name /api/v4 themselves; accept the site URL with or without it.
  apiBase: (url) => stripApiPath(url, /\/api\/v4\/?$/),

  async collect(context: CollectContext, client: ApiClient): Promise<CollectorOutput> {
    const warnings: string[] = [];
    const ping = await client.get<{ status?: string }>("/api/v4/system/ping", { query: { get_server_status: true } });
    if (ping.status && ping.status !== "OK") warnings.push(`Mattermost reports its own status as ${ping.status}`);
    const clientConfig = await client.get<Record<string, unknown>>("/api/v4/config/client", { query: { format: "old" } });
    const version = typeof clientConfig.Version === "string" && clientConfig.Version ? clientConfig.Version : undefined;
    if (!version) warnings.push("config/client did not report a Version; software.version is left out");

    const perPage = context.pageSize ?? MATTERMOST_PAGE_SIZE;
    let fullPage = 0;
    const apiUsers = await collectPages<MattermostUser, number>(
      "Mattermost users",
      0,
      async (page) => {
        const items = await client.get<MattermostUser[]>("/api/v4/users", {
          query: { page, per_page: perPage },
          permission: ADMIN_PERMISSION,
        });
        // Mattermost does not say how many users there are: a page shorter than the first one is the last. The
        // first page, not per_page, is the yardstick because a server may cap per_page lower than asked.
        fullPage ||= items.length;
        return { items, next: items.length < fullPage ? undefined : page + 1 };
      },
      (done) => context.onProgress?.("users", done),
    );

    const apiRoles = await optional(client.get<MattermostRole[]>("/api/v4/roles", { permission: ADMIN_PERMISSION }));
    if (!apiRoles) warnings.push("the role catalogue (GET /api/v4/roles) is not readable by this token; roles list only system_admin");

    const siteUrl = typeof clientConfig.SiteURL === "string" ? clientConfig.SiteURL : "";
    const snapshot = baseSnapshot("mattermost", context.name ?? hostOf(siteUrl) ?? client.baseHost, context.collectedAt);
    snapshot.software = {
      product: "mattermost",
      ...(version ? { version } : {}),
      ...(typeof clientConfig.BuildNumber === "string" && clientConfig.BuildNumber && clientConfig.BuildNumber !== version
        ? { components: [{ name: "build", version: clientConfig.BuildNumber }] }
        : {}),
    };
    snapshot.users = apiUsers.map(toUser);
    snapshot.roles = apiRoles ? apiRoles.filter((r) => !r.delete_at).map(toRole) : [{ name: SYSTEM_ADMIN_ROLE, builtIn: true, admin: true }];
    return { snapshot, warnings };
  },
};

function toUser(u: MattermostUser): User {
  const roles = (u.roles ?? "").split(/\s+/).filter(Boolean);
  // last_activity_at is only filled in some list queries; last_login always is: take the later of the two.
  const lastMs = Math.max(u.last_activity_at ?? 0, u.last_login ?? 0);
  const user: User = {
    id: u.id,
    status: u.delete_at ? "deactivated" : "active",
    roles,
    lastActiveAt: epochMsToIso(lastMs),
    guest: roles.includes("system_guest"),
    bot: u.is_bot === true,
  };
  if (u.username) user.username = u.username;
  if (typeof u.mfa_active === "boolean") user.mfa = u.mfa_active;
  return user;
}

function toRole(r: MattermostRole): Role {
  return {
    name: r.name,
    permissions: r.permissions ?? [],
    ...(typeof r.built_in === "boolean" ? { builtIn: r.built_in } : {}),
    admin: r.name === SYSTEM_ADMIN_ROLE,
  };
}
