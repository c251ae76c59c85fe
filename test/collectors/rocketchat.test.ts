// The Rocket.Chat collector against responses in the shape its REST API documents: version, users and settings
// over count/offset pages, settings normalized and redacted by the Rocket.Chat importer, 401 and timeouts.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rocketchatCollector } from "../../src/collectors/rocketchat.js";
import { CollectError } from "../../src/errors.js";
import { clientFor, fixture, startServer, type RecordedServer, type Reply, type SeenRequest } from "./recorded-server.js";

const USER_ID = "aobEdbYhXfu5hkeqG";
const TOKEN = "canary-rc-token-77de";
const SMTP_PASSWORD = "smtp-password-canary-7f3e";
const AS_OF = "2026-11-29T00:00:00.000Z";
const users = fixture<Record<string, unknown>[]>("rocketchat", "users.json");
const settings = fixture<{ _id: string; value: unknown }[]>("rocketchat", "settings.json");

/** count + offset paging as Rocket.Chat does it, with its default API_Upper_Count_Limit of 100. */
function offsetPage(key: string, items: readonly unknown[], req: SeenRequest): Reply {
  const count = Math.min(Number(req.query.get("count") ?? 50), 100);
  const offset = Number(req.query.get("offset") ?? 0);
  const page = items.slice(offset, offset + count);
  return { json: { [key]: page, count: page.length, offset, total: items.length, success: true } };
}

function rocketchat(overrides: (req: SeenRequest) => Reply | undefined = () => undefined) {
  return (req: SeenRequest): Reply => {
    const override = overrides(req);
    if (override) return override;
    if (req.headers["x-user-id"] !== USER_ID || req.headers["x-auth-token"] !== TOKEN) return { status: 401, json: fixture("rocketchat", "error-401.json") };
    switch (req.path) {
      case "/api/info":
        return { json: fixture("rocketchat", "info.json") };
      case "/api/v1/users.list":
        return offsetPage("users", users, req);
      case "/api/v1/settings":
        return offsetPage("settings", settings, req);
      default:
        return { status: 404, json: { success: false, error: "Not found" } };
    }
  };
}

const client = (server: RecordedServer, token = TOKEN, timeoutMs = 2000) =>
  clientFor(rocketchatCollector, `${server.url}/api/v1`, { kind: "user-token", userId: USER_ID, token }, {
    timeoutMs,
    hint: "check the user id in $RC_USER_ID and the token in $RC_TOKEN",
  });

describe("Rocket.Chat collector (documented REST API shapes)", () => {
  let server: RecordedServer;
  beforeAll(async () => {
    server = await startServer(rocketchat());
  });
  afterAll(() => server.close());

  it("pages users and settings with count/offset until total", async () => {
    const before = server.requests.length;
    const { snapshot } = await rocketchatCollector.collect({ collectedAt: AS_OF, pageSize: 50 }, client(server));
    const seen = server.requests.slice(before);
    expect(seen.filter((r) => r.path === "/api/v1/users.list").map((r) => r.query.get("offset"))).toEqual(["0", "50", "100"]);
    expect(seen.filter((r) => r.path === "/api/v1/settings").map((r) => r.query.get("offset"))).toEqual(["0", "50", "100", "150", "200"]);
    expect(snapshot.users).toHaveLength(130);
    expect(seen.every((r) => r.method === "GET")).toBe(true);
  });

  it("advances by what came back when the server caps count below what was asked", async () => {
    const before = server.requests.length;
    const { snapshot } = await rocketchatCollector.collect({ collectedAt: AS_OF, pageSize: 500 }, client(server));
    const offsets = server.requests.slice(before).filter((r) => r.path === "/api/v1/users.list").map((r) => r.query.get("offset"));
    expect(offsets).toEqual(["0", "100"]);
    expect(snapshot.users).toHaveLength(130);
  });

  it("reads version and users, and takes endpoints and retention from the settings through the importer", async () => {
    const { snapshot, warnings } = await rocketchatCollector.collect({ collectedAt: AS_OF }, client(server));
    expect(snapshot.metadata).toMatchObject({ name: "chat.example.com", platform: "rocketchat", collectedAt: AS_OF, source: "collect:rocketchat" });
    expect(snapshot.software).toMatchObject({ product: "rocketchat", version: "6.5.2" });
    const byName = new Map(snapshot.users!.map((u) => [u.username, u]));
    expect(byName.get("admin")).toEqual({
      id: users[0]!._id, username: "admin", roles: ["user", "admin"], status: "active",
      lastActiveAt: "2026-11-28T00:00:00.000Z", guest: false, bot: false,
    });
    expect(byName.get("stale.admin")).toMatchObject({ roles: ["admin"], lastActiveAt: "2025-03-03T09:30:00.000Z" });
    expect(byName.get("departed")).toMatchObject({ status: "deactivated" });
    expect(byName.get("visitor")).toMatchObject({ guest: true });
    expect(byName.get("rocket.cat")).toMatchObject({ bot: true, lastActiveAt: null });
    expect(byName.get("never.logged.in")).toMatchObject({ lastActiveAt: null });
    expect(snapshot.roles?.find((r) => r.name === "admin")).toMatchObject({ admin: true });
    // Site_Url is plain http: the importer turns it into an endpoint without TLS.
    expect(snapshot.endpoints?.some((e) => e.url?.startsWith("http://chat.example.com") && e.tls?.enabled === false)).toBe(true);
    expect(snapshot.retention?.messages?.enabled).toBe(false);
    expect(JSON.stringify(snapshot)).not.toContain(SMTP_PASSWORD);
    expect(JSON.stringify(snapshot)).not.toContain(TOKEN);
    expect(warnings).toEqual([]);
  });

  it("falls back to /api/v1/info on servers that answer the older shape", async () => {
    const older = await startServer(rocketchat((req) =>
      req.path === "/api/info" ? { status: 404, json: {} } : req.path === "/api/v1/info" ? { json: { info: { version: "0.74.3" }, success: true } } : undefined,
    ));
    try {
      const { snapshot } = await rocketchatCollector.collect({ collectedAt: AS_OF }, client(older));
      expect(snapshot.software?.version).toBe("0.74.3");
    } finally {
      await older.close();
    }
  });

  it("fails with one line when the token is refused", async () => {
    const e = await rocketchatCollector.collect({ collectedAt: AS_OF }, client(server, "revoked-rc-token")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CollectError);
    // /api/info is optional (a 401 is not), so the refusal surfaces on the first call.
    expect((e as Error).message).toBe(
      `${server.url}/api/info: the server refused the credentials (HTTP 401: You must be logged in to do this.); check the user id in $RC_USER_ID and the token in $RC_TOKEN`,
    );
  });

  it("fails with one line on a timeout", async () => {
    const slow = await startServer(rocketchat((req) => (req.path === "/api/v1/settings" ? { json: {}, delayMs: 2000 } : undefined)));
    try {
      const e = await rocketchatCollector.collect({ collectedAt: AS_OF }, client(slow, TOKEN, 300)).catch((x: unknown) => x);
      expect((e as Error).message).toBe(`${slow.url}/api/v1/settings: no answer within 300 ms (raise --timeout if the server is just slow)`);
    } finally {
      await slow.close();
    }
  });
});
