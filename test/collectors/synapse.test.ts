// The Synapse collector against responses in the shape the admin API documents: version, every account
// (deactivated ones included) through next_token paging, a refused token, a non-admin token and a timeout.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synapseCollector } from "../../src/collectors/synapse.js";
import { CollectError } from "../../src/errors.js";
import { clientFor, fixture, startServer, type RecordedServer, type Reply, type SeenRequest } from "./recorded-server.js";

const TOKEN = "canary-syt-token-0a9e";
const AS_OF = "2026-11-29T00:00:00.000Z";
const accounts = fixture<{ name: string; deactivated: boolean }[]>("synapse", "users.json");

function synapse(overrides: (req: SeenRequest) => Reply | undefined = () => undefined) {
  return (req: SeenRequest): Reply => {
    const override = overrides(req);
    if (override) return override;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, json: fixture("synapse", "error-401.json") };
    switch (req.path) {
      case "/_synapse/admin/v1/server_version":
        return { json: fixture("synapse", "server-version.json") };
      case "/_synapse/admin/v2/users": {
        // As Synapse does: deactivated accounts only with deactivated=true, `from` is an offset token.
        const listed = req.query.get("deactivated") === "true" ? accounts : accounts.filter((a) => !a.deactivated);
        const from = Number(req.query.get("from") ?? 0);
        const limit = Number(req.query.get("limit") ?? 100);
        const page = listed.slice(from, from + limit);
        const body: Record<string, unknown> = { users: page, total: listed.length };
        if (from + limit < listed.length) body.next_token = String(from + limit);
        return { json: body };
      }
      default:
        return { status: 404, json: { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" } };
    }
  };
}

const client = (server: RecordedServer, token = TOKEN, base = server.url, timeoutMs = 1000) =>
  clientFor(synapseCollector, base, { kind: "bearer", token }, { timeoutMs, hint: "check the token in $SYNAPSE_TOKEN" });

describe("Synapse collector (documented admin API shapes)", () => {
  let server: RecordedServer;
  beforeAll(async () => {
    server = await startServer(synapse());
  });
  afterAll(() => server.close());

  it("follows next_token over three pages and asks for deactivated accounts too", async () => {
    const before = server.requests.length;
    const progress: (number | undefined)[][] = [];
    const { snapshot } = await synapseCollector.collect({ collectedAt: AS_OF, pageSize: 50, onProgress: (_p, d, t) => progress.push([d, t]) }, client(server));
    const pages = server.requests.slice(before).filter((r) => r.path === "/_synapse/admin/v2/users");
    expect(pages.map((r) => r.query.get("from"))).toEqual([null, "50", "100"]);
    expect(pages.every((r) => r.query.get("deactivated") === "true" && r.query.get("limit") === "50")).toBe(true);
    expect(snapshot.users).toHaveLength(130);
    expect(progress).toEqual([[50, 130], [100, 130], [130, 130]]);
  });

  it("reads version and accounts as the snapshot model has them", async () => {
    const { snapshot, warnings } = await synapseCollector.collect({ collectedAt: AS_OF }, client(server, TOKEN, `${server.url}/_synapse/admin`));
    expect(snapshot.metadata).toEqual({ name: "matrix.example.com", platform: "synapse", collectedAt: AS_OF, source: "collect:synapse" });
    expect(snapshot.software).toEqual({ product: "synapse", version: "1.98.0" });
    const byId = new Map(snapshot.users!.map((u) => [u.id, u]));
    expect(byId.get("@admin:matrix.example.com")).toEqual({
      id: "@admin:matrix.example.com", username: "admin", roles: ["admin"], status: "active",
      lastActiveAt: "2026-11-28T00:00:00.000Z", guest: false, bot: false,
    });
    expect(byId.get("@old-admin:matrix.example.com")).toMatchObject({ roles: ["admin"], lastActiveAt: "2025-02-01T08:00:00.000Z" });
    expect(byId.get("@departed:matrix.example.com")).toMatchObject({ status: "deactivated", roles: [] });
    expect(byId.get("@12345:matrix.example.com")).toMatchObject({ guest: true });
    expect(byId.get("@bridge-bot:matrix.example.com")).toMatchObject({ bot: true });
    expect(byId.get("@never-seen:matrix.example.com")).toMatchObject({ lastActiveAt: null });
    expect(snapshot.roles).toEqual([{ name: "admin", builtIn: true, admin: true }]);
    expect(warnings).toEqual([]);
  });

  it("accepts the 0/1 flags older servers send, and never copies password_hash", async () => {
    const old = await startServer(synapse((req) =>
      req.path === "/_synapse/admin/v2/users"
        ? { json: { users: [{ name: "@root:old.example", password_hash: "$2b$12$canaryhash", is_guest: 0, admin: 1, user_type: null, deactivated: 1 }], next_token: undefined } }
        : undefined,
    ));
    try {
      const { snapshot } = await synapseCollector.collect({ collectedAt: AS_OF }, client(old));
      expect(snapshot.users).toEqual([{ id: "@root:old.example", username: "root", roles: ["admin"], status: "deactivated", lastActiveAt: null, guest: false, bot: false }]);
      expect(JSON.stringify(snapshot)).not.toContain("canaryhash");
    } finally {
      await old.close();
    }
  });

  it("fails with one line for a refused token and for a token that is not a server admin's", async () => {
    const refused = await synapseCollector.collect({ collectedAt: AS_OF }, client(server, "nope")).catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(CollectError);
    expect((refused as Error).message).toBe(
      `${server.url}/_synapse/admin/v1/server_version: the server refused the credentials (HTTP 401: Invalid access token passed.); check the token in $SYNAPSE_TOKEN`,
    );
    const notAdmin = await startServer(synapse(() => ({ status: 403, json: fixture("synapse", "error-403.json") })));
    try {
      const e = await synapseCollector.collect({ collectedAt: AS_OF }, client(notAdmin)).catch((x: unknown) => x);
      expect((e as Error).message).toBe(
        `${notAdmin.url}/_synapse/admin/v1/server_version: the account is not allowed to read this (HTTP 403: You are not a server admin); it needs a server admin's access token (a user with admin: true)`,
      );
    } finally {
      await notAdmin.close();
    }
  });

  it("fails with one line on a timeout", async () => {
    const slow = await startServer(synapse(() => ({ json: {}, delayMs: 2000 })));
    try {
      const e = await synapseCollector.collect({ collectedAt: AS_OF }, client(slow, TOKEN, slow.url, 300)).catch((x: unknown) => x);
      expect((e as Error).message).toBe(`${slow.url}/_synapse/admin/v1/server_version: no answer within 300 ms (raise --timeout if the server is just slow)`);
    } finally {
      await slow.close();
    }
  });

  it("stops when a server repeats its next_token instead of looping forever", async () => {
    const stuck = await startServer(synapse((req) =>
      req.path === "/_synapse/admin/v2/users" ? { json: { users: [{ name: "@a:x" }], next_token: "7" } } : undefined,
    ));
    try {
      const e = await synapseCollector.collect({ collectedAt: AS_OF }, client(stuck)).catch((x: unknown) => x);
      expect((e as Error).message).toBe('Synapse users: the server returned the same page cursor twice ("7"); paging stopped');
    } finally {
      await stuck.close();
    }
  });
});
