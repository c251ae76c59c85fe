// Matrix Synapse through its admin API (GET only): server version and every local account, deactivated ones too.

import type { User } from "../snapshot/types.js";
import { baseSnapshot, collectPages, epochMsToIso, stripApiPath, truthy } from "./common.js";
import type { ApiClient } from "./http.js";
import type { CollectContext, Collector, CollectorOutput } from "./types.js";

const SYNAPSE_PAGE_SIZE = 100;

/**
 * The fields of a listed account this collector reads (docs/admin_api/user_admin_api.md). Older servers send
 * 0/1 for the flags and also a password_hash, which is never copied anywhere.
 */
interface SynapseUser {
  name: string;
  admin?: boolean | number;
  deactivated?: boolean | number;
  is_guest?: boolean | number;
  user_type?: string | null;
  last_seen_ts?: number | null;
}

interface SynapseUserPage {
  users?: SynapseUser[];
  next_token?: string | number;
  total?: number;
}

const SERVER_ADMIN = "a server admin's access token (a user with admin: true)";

export const synapseCollector: Collector = {
  platform: "synapse",
  credentials: "bearer",
  acceptsConfig: true,
  apiBase: (url) => stripApiPath(url, /\/_synapse(\/admin(\/.*)?)?$/),

  async collect(context: CollectContext, client: ApiClient): Promise<CollectorOutput> {
    const warnings: string[] = [];
    const about = await client.get<{ server_version?: string }>("/_synapse/admin/v1/server_version", { permission: SERVER_ADMIN });
    const version = typeof about.server_version === "string" && about.server_version ? about.server_version : undefined;
    if (!version) warnings.push("server_version did not report a version; software.version is left out");

    // v2 leaves deactivated accounts out unless asked: an audit needs them (admin && deactivated, departed users).
    const apiUsers = await collectPages<SynapseUser, string>(
      "Synapse users",
      "",
      async (from) => {
        const page = await client.get<SynapseUserPage>("/_synapse/admin/v2/users", {
          query: { deactivated: true, limit: context.pageSize ?? SYNAPSE_PAGE_SIZE, from: from || undefined },
          permission: SERVER_ADMIN,
        });
        const next = page.next_token === undefined || page.next_token === null ? undefined : String(page.next_token);
        return { items: page.users ?? [], next, total: page.total };
      },
      (done, total) => context.onProgress?.("users", done, total),
    );

    const users = apiUsers.map(toUser);
    const serverName = users.map((u) => u.id.slice(u.id.indexOf(":") + 1)).find((s) => s.length > 0);
    const snapshot = baseSnapshot("synapse", context.name ?? serverName ?? client.baseHost, context.collectedAt);
    snapshot.software = { product: "synapse", ...(version ? { version } : {}) };
    snapshot.users = users;
    snapshot.roles = [{ name: "admin", builtIn: true, admin: true }];
    return { snapshot, warnings };
  },
};

function toUser(u: SynapseUser): User {
  const localpart = /^@([^:]+):/.exec(u.name)?.[1];
  return {
    id: u.name,
    ...(localpart ? { username: localpart } : {}),
    roles: truthy(u.admin) ? ["admin"] : [],
    status: truthy(u.deactivated) ? "deactivated" : "active",
    lastActiveAt: epochMsToIso(u.last_seen_ts),
    guest: truthy(u.is_guest),
    bot: u.user_type === "bot",
  };
}
