// The ejabberd collector against answers recorded from a real ejabberd 23.01: version, users, last activity,
// admins from the config's acl, and never a command outside the read-only allow-list.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminJids,
  callCommand,
  EJABBERD_READ_ONLY_COMMANDS,
  ejabberdCollector,
  lastActivity,
  versionFromStatus,
} from "../../src/collectors/ejabberd.js";
import type { ImportResult } from "../../src/importers/types.js";
import { CollectError } from "../../src/errors.js";
import { ejabberdReplay } from "./ejabberd-replay.js";
import { clientFor, startServer, type RecordedServer } from "./recorded-server.js";

const PASSWORD = "canary-ejabberd-5d2f";
const AS_OF = "2026-11-29T12:00:00.000Z";
const replay = (overrides?: Parameters<typeof ejabberdReplay>[1]) => ejabberdReplay(PASSWORD, overrides);

const client = (server: RecordedServer, password = PASSWORD) =>
  clientFor(ejabberdCollector, `${server.url}/api`, { kind: "basic", user: "admin@localhost", password }, {
    timeoutMs: 2000,
    concurrency: 3,
    hint: "check --user admin@localhost and the password in $EJABBERD_PASSWORD",
  });

/** What the ejabberd importer gives for a config whose acl names admin@localhost. */
function configWithAdmins(users: unknown): ImportResult {
  return {
    snapshot: { apiVersion: "chataudit/v1", kind: "Snapshot", metadata: { name: "localhost", platform: "ejabberd", collectedAt: AS_OF }, settings: { acl: { admin: { user: users } } } },
    provenance: new Map(),
  };
}

describe("ejabberd collector (recorded ejabberd 23.01 answers)", () => {
  let server: RecordedServer;
  beforeAll(async () => {
    server = await startServer(replay());
  });
  afterAll(() => server.close());

  it("reads the version, every registered user and their last activity", async () => {
    const progress: [string, number, number | undefined][] = [];
    const { snapshot, warnings } = await ejabberdCollector.collect(
      { collectedAt: AS_OF, config: configWithAdmins(["admin@localhost"]), onProgress: (p, d, t) => progress.push([p, d, t]) },
      client(server),
    );
    expect(snapshot.metadata).toEqual({ name: "localhost", platform: "ejabberd", collectedAt: AS_OF, source: "collect:ejabberd" });
    expect(snapshot.software).toEqual({ product: "ejabberd", version: "23.01-1" });
    expect(snapshot.users).toEqual([
      { id: "admin@localhost", username: "admin", status: "active", roles: ["admin"], lastActiveAt: "2026-11-27T09:18:25.000Z" },
      { id: "alice@localhost", username: "alice", status: "active", roles: [], lastActiveAt: "2026-11-28T09:18:25.000Z" },
      { id: "bob@localhost", username: "bob", status: "active", roles: [], lastActiveAt: "2026-11-19T09:18:25.000Z" },
      { id: "carol@localhost", username: "carol", status: "active", roles: [], lastActiveAt: "2025-10-25T09:18:25.000Z" },
      // Registered but never logged in: ejabberd's timestamp is the registration time, not activity.
      { id: "dave@localhost", username: "dave", status: "active", roles: [], lastActiveAt: null },
    ]);
    expect(snapshot.roles).toEqual([{ name: "admin", admin: true }]);
    expect(snapshot.settings).toEqual({
      collected: { vhosts: ["localhost"], sessions: 0, stats: { registeredusers: 5, onlineusers: 0, uptimeseconds: expect.any(Number), processes: expect.any(Number) } },
    });
    expect(warnings).toEqual([]);
    expect(progress.at(-1)).toEqual(["users", 5, 5]);
  });

  it("calls nothing outside the read-only allow-list, and only POSTs /api/<command>", async () => {
    const before = server.requests.length;
    await ejabberdCollector.collect({ collectedAt: AS_OF }, client(server));
    const seen = server.requests.slice(before);
    expect(seen.length).toBeGreaterThan(5);
    for (const req of seen) {
      expect(req.method).toBe("POST");
      expect(EJABBERD_READ_ONLY_COMMANDS).toContain(req.path.replace(/^\/api\//, ""));
    }
    // get_last is only asked about accounts registered_users listed, never guessed ones.
    const asked = seen.filter((r) => r.path === "/api/get_last").map((r) => (JSON.parse(r.body) as { user: string }).user);
    expect(asked.sort()).toEqual(["admin", "alice", "bob", "carol", "dave"]);
  });

  it("refuses to call a command that is not allow-listed, before anything is sent", () => {
    const before = server.requests.length;
    for (const command of ["register", "unregister", "set_last", "change_password", "check_password", "get_roster", "ban_account", "stop"]) {
      expect(() => callCommand(client(server), command, { user: "x", host: "localhost" })).toThrow(/not in the read-only allow-list/);
    }
    expect(server.requests.length).toBe(before);
  });

  it("leaves roles out without a config: admins are only known from the acl", async () => {
    const { snapshot, warnings } = await ejabberdCollector.collect({ collectedAt: AS_OF, name: "xmpp.example.org" }, client(server));
    expect(snapshot.metadata.name).toBe("xmpp.example.org");
    expect(snapshot.users?.every((u) => u.roles === undefined)).toBe(true);
    expect(snapshot.roles).toBeUndefined();
    expect(warnings).toEqual(["no --config given: admins come from the config's acl, so users carry no roles"]);
  });

  it("fails with one line when the password is wrong", async () => {
    const e = await ejabberdCollector.collect({ collectedAt: AS_OF }, client(server, "wrong")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CollectError);
    expect((e as CollectError).message).toBe(
      `${server.url}/api/status: the server refused the credentials (HTTP 401: You are not authorized to call this command.); check --user admin@localhost and the password in $EJABBERD_PASSWORD`,
    );
  });

  it("keeps going without get_last (mod_admin_extra not loaded), with a warning and no lastActiveAt", async () => {
    const bare = await startServer(replay((_req, command) => (command === "get_last" || command === "stats" ? { status: 404, json: { status: "error", code: 40, message: "Endpoint not found." } } : undefined)));
    try {
      const { snapshot, warnings } = await ejabberdCollector.collect({ collectedAt: AS_OF, config: configWithAdmins("admin") }, client(bare));
      expect(snapshot.users?.map((u) => u.lastActiveAt)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(snapshot.users?.[0]?.roles).toEqual(["admin"]);
      expect(warnings).toEqual([expect.stringMatching(/^get_last is not available, users have no lastActiveAt \(.*HTTP 404: Endpoint not found\./)]);
      expect(snapshot.settings).toEqual({ collected: { vhosts: ["localhost"], sessions: 0, stats: {} } });
      // After the first 404 no further get_last is sent for the remaining accounts (beyond those already in flight).
      expect(bare.requests.filter((r) => r.path === "/api/get_last").length).toBeLessThanOrEqual(3);
    } finally {
      await bare.close();
    }
  });
});

describe("ejabberd answers, interpreted", () => {
  it("finds the version in the status text", () => {
    expect(versionFromStatus("The node 'ejabberd@host' is started. Status: startedejabberd 23.01-1 is running in that node")).toBe("23.01-1");
    expect(versionFromStatus("The node ejabberd@localhost is started with status: started\nejabberd 24.12.0 is running in that node")).toBe("24.12.0");
    expect(versionFromStatus("The node ejabberd@localhost is stopped")).toBeUndefined();
  });

  it("treats NOT FOUND and never-logged-in as no activity, ONLINE as now", () => {
    expect(lastActivity({ timestamp: "2026-11-29T09:18:36.417447Z", status: "NOT FOUND" })).toBeNull();
    expect(lastActivity({ timestamp: "2026-11-29T09:18:25Z", status: "Registered but didn't login" })).toBeNull();
    expect(lastActivity({ timestamp: "2026-11-29T09:18:36.417447Z", status: "ONLINE" })).toBe("2026-11-29T09:18:36.417Z");
    expect(lastActivity({ timestamp: "2026-11-01T10:00:00Z", status: "" })).toBe("2026-11-01T10:00:00.000Z");
    // Pre-20.x answer: one string.
    expect(lastActivity("2017-02-23T22:25:28.063062Z ONLINE")).toBe("2017-02-23T22:25:28.063Z");
    expect(lastActivity("2017-02-23T22:25:28Z NOT FOUND")).toBeNull();
    expect(lastActivity({ timestamp: "garbage", status: "Away" })).toBeNull();
  });

  it("expands the admin acl: full JIDs, bare usernames on every vhost, the map form, host_config", () => {
    const config: ImportResult = {
      snapshot: {
        apiVersion: "chataudit/v1",
        kind: "Snapshot",
        metadata: { name: "a", platform: "ejabberd", collectedAt: AS_OF },
        settings: {
          acl: { admin: { user: ["Root@a.example", "ops", { legacy: "b.example" }] } },
          host_config: { "b.example": { acl: { admin: { user: "boss" } } } },
        },
      },
      provenance: new Map(),
    };
    expect([...adminJids(config, ["a.example", "b.example"])!].sort()).toEqual([
      "boss@b.example",
      "legacy@b.example",
      "ops@a.example",
      "ops@b.example",
      "root@a.example",
    ]);
    expect(adminJids(undefined, ["a.example"])).toBeUndefined();
  });
});
