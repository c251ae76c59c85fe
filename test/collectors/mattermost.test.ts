// The Mattermost collector against responses in the shape API v4 documents: version, users over several pages,
// roles, a refused token and a server too slow to answer.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mattermostCollector } from "../../src/collectors/mattermost.js";
import { CollectError } from "../../src/errors.js";
import { clientFor, fixture, startServer, type RecordedServer, type Reply, type SeenRequest } from "./recorded-server.js";

const TOKEN = "canary-mm-token-41b7";
const AS_OF = "2026-11-29T00:00:00.000Z";
const users = fixture<Record<string, unknown>[]>("mattermost", "users.json");

function mattermost(overrides: (req: SeenRequest) => Reply | undefined = () => undefined) {
  return (req: SeenRequest): Reply => {
    const override = overrides(req);
    if (override) return override;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, json: fixture("mattermost", "error-401.json") };
    switch (req.path) {
      case "/api/v4/system/ping":
        return { json: fixture("mattermost", "system-ping.json") };
      case "/api/v4/config/client":
        return req.query.get("format") === "old" ? { json: fixture("mattermost", "config-client-old.json") } : { status: 501, json: {} };
      case "/api/v4/users": {
        // Mattermost's own bounds: per_page defaults to 60 and is capped at 200.
        const perPage = Math.min(Number(req.query.get("per_page") ?? 60), 200);
        const page = Number(req.query.get("page") ?? 0);
        return { json: users.slice(page * perPage, page * perPage + perPage) };
      }
      case "/api/v4/roles":
        return { json: fixture("mattermost", "roles.json") };
      default:
        return { status: 404, json: { id: "api.context.404.app_error", message: "Sorry, we could not find the page.", status_code: 404 } };
    }
  };
}

const client = (server: RecordedServer, token = TOKEN, base = server.url) =>
  clientFor(mattermostCollector, base, { kind: "bearer", token }, { hint: "check the token in $MM_TOKEN" });

describe("Mattermost collector (documented API v4 shapes)", () => {
  let server: RecordedServer;
  beforeAll(async () => {
    server = await startServer(mattermost());
  });
  afterAll(() => server.close());

  it("pages through 130 users 60 at a time until a short page", async () => {
    const before = server.requests.length;
    const { snapshot, warnings } = await mattermostCollector.collect({ collectedAt: AS_OF, pageSize: 60 }, client(server));
    const pages = server.requests.slice(before).filter((r) => r.path === "/api/v4/users").map((r) => `${r.query.get("page")}/${r.query.get("per_page")}`);
    expect(pages).toEqual(["0/60", "1/60", "2/60"]);
    expect(snapshot.users).toHaveLength(130);
    expect(new Set(snapshot.users!.map((u) => u.id)).size).toBe(130);
    expect(warnings).toEqual([]);
  });

  it("reads version, site, users and roles as the snapshot model has them", async () => {
    const { snapshot } = await mattermostCollector.collect({ collectedAt: AS_OF }, client(server, TOKEN, `${server.url}/api/v4`));
    expect(snapshot.metadata).toEqual({ name: "chat.example.com", platform: "mattermost", collectedAt: AS_OF, source: "collect:mattermost" });
    expect(snapshot.software).toEqual({ product: "mattermost", version: "9.5.0" });
    const byName = new Map(snapshot.users!.map((u) => [u.username, u]));
    expect(byName.get("sysadmin")).toEqual({
      id: users[0]!.id, username: "sysadmin", status: "active", roles: ["system_user", "system_admin"],
      // The later of last_activity_at and last_login.
      lastActiveAt: "2026-11-28T00:00:00.000Z", guest: false, bot: false, mfa: true,
    });
    expect(byName.get("stale.admin")).toMatchObject({ roles: ["system_admin", "system_user"], lastActiveAt: "2025-01-15T10:00:00.000Z" });
    expect(byName.get("departed")).toMatchObject({ status: "deactivated" });
    expect(byName.get("guest.contractor")).toMatchObject({ guest: true, roles: ["system_guest"] });
    expect(byName.get("ci-bot")).toMatchObject({ bot: true });
    expect(byName.get("never.logged.in")).toMatchObject({ lastActiveAt: null });
    expect(snapshot.roles?.find((r) => r.name === "system_admin")).toEqual({
      name: "system_admin", permissions: ["manage_system", "sysconsole_read_users", "sysconsole_write_users", "create_team"], builtIn: true, admin: true,
    });
    expect(snapshot.roles?.filter((r) => r.admin).map((r) => r.name)).toEqual(["system_admin"]);
  });

  it("only GETs", () => {
    expect(server.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("notes a token that cannot read the role catalogue and still marks system_admin", async () => {
    const limited = await startServer(mattermost((req) => (req.path === "/api/v4/roles" ? { status: 403, json: { message: "You do not have the appropriate permissions.", status_code: 403 } } : undefined)));
    try {
      const { snapshot, warnings } = await mattermostCollector.collect({ collectedAt: AS_OF }, client(limited));
      expect(snapshot.roles).toEqual([{ name: "system_admin", builtIn: true, admin: true }]);
      expect(warnings).toEqual(["the role catalogue (GET /api/v4/roles) is not readable by this token; roles list only system_admin"]);
    } finally {
      await limited.close();
    }
  });

  it("fails with one line when the token is refused", async () => {
    const e = await mattermostCollector.collect({ collectedAt: AS_OF }, client(server, "revoked-token-3f0c")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CollectError);
    expect((e as Error).message).toBe(
      `${server.url}/api/v4/system/ping: the server refused the credentials (HTTP 401: Invalid or expired session, please login again.); check the token in $MM_TOKEN`,
    );
  });

  it("fails with one line when the users list does not come back in time", async () => {
    const slow = await startServer(mattermost((req) => (req.path === "/api/v4/users" ? { json: [], delayMs: 3000 } : undefined)));
    try {
      const e = await mattermostCollector.collect({ collectedAt: AS_OF }, client(slow)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CollectError);
      expect((e as Error).message).toBe(`${slow.url}/api/v4/users: no answer within 1000 ms (raise --timeout if the server is just slow)`);
    } finally {
      await slow.close();
    }
  });
});
