// End to end against a real ejabberd (Debian's package) on loopback: start it, collect through the CLI, check
// version, users and admins against the server itself, prove the password leaks nowhere, scan the snapshot.

import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EJABBERD_READ_ONLY_COMMANDS } from "../../src/collectors/ejabberd.js";
import { collectSnapshot } from "../../src/collectors/index.js";
import { scan } from "../../src/scan.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { REPO_ROOT } from "../collectors/recorded-server.js";
import { runCollect } from "../collectors/run-collect.js";

const SCRIPT = join(REPO_ROOT, "scripts/ejabberd-test-server.sh");
const EJABBERDCTL = process.env.EJABBERDCTL ?? "/usr/sbin/ejabberdctl";
const INSTALLED = existsSync(EJABBERDCTL);
const IN_CI = process.env.CI === "true";
// The script bounds its own waits (120 s to start, 30 s to stop); these leave room for a loaded machine.
const START_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 90_000;
const DAY_MS = 86_400_000;

/** Free loopback ports, so that this run collides neither with a developer's instance nor with a parallel run. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((ok) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => ok(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

if (!INSTALLED && IN_CI) {
  describe("live ejabberd", () => {
    it("is installed: CI must install Debian's ejabberd (apt-get install -y ejabberd) before the tests", () => {
      throw new Error(`${EJABBERDCTL} not found although CI=true: the live collector test cannot run`);
    });
  });
} else if (!INSTALLED) {
  console.warn(`test/live/ejabberd.test.ts: skipped, ${EJABBERDCTL} not found (apt-get install -y ejabberd to run it)`);
}

describe.skipIf(!INSTALLED)("live ejabberd on loopback", () => {
  const password = `canary-live-${randomBytes(8).toString("hex")}`;
  const stateDir = join(tmpdir(), `chataudit-ejabberd-live-${process.pid}`);
  let work = "";
  const ports = { c2s: 0, legacyTls: 0, api: 0, http: 0 };
  let env: NodeJS.ProcessEnv = {};
  let server: Record<string, string> = {};
  let snapshotPath = "";
  let snapshot: Snapshot;
  let collectOutput = "";

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "chataudit-live-"));
    [ports.c2s, ports.legacyTls, ports.api, ports.http] = await freePorts(4);
    env = {
      ...process.env,
      CHATAUDIT_EJABBERD_DIR: stateDir,
      CHATAUDIT_EJABBERD_ADMIN_PASSWORD: password,
      CHATAUDIT_EJABBERD_NODE: `chataudit-live-${process.pid}`,
      CHATAUDIT_EJABBERD_C2S_PORT: String(ports.c2s),
      CHATAUDIT_EJABBERD_LEGACY_TLS_PORT: String(ports.legacyTls),
      CHATAUDIT_EJABBERD_API_PORT: String(ports.api),
      CHATAUDIT_EJABBERD_HTTP_PORT: String(ports.http),
    };
    const started = spawnSync("bash", [SCRIPT, "start"], { env, encoding: "utf8", timeout: START_TIMEOUT_MS - 10_000 });
    if (started.status !== 0) {
      spawnSync("bash", [SCRIPT, "stop"], { env, timeout: STOP_TIMEOUT_MS - 10_000 });
      throw new Error(`scripts/ejabberd-test-server.sh start failed (${started.status ?? started.signal}): ${started.stderr.trim()}`);
    }
    server = Object.fromEntries(started.stdout.trim().split("\n").map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
    snapshotPath = join(work, "ejabberd.json");
    const run = await runCollect(
      ["ejabberd", "--url", server.EJABBERD_API_URL!, "--user", server.EJABBERD_ADMIN_JID!, "--password-env", "LIVE_EJABBERD_PASSWORD",
        "--config", server.EJABBERD_CONFIG!, "--ca-file", server.EJABBERD_CA_FILE!, "--output", snapshotPath],
      { LIVE_EJABBERD_PASSWORD: password },
    );
    collectOutput = run.stdout + run.stderr;
    if (run.code !== 0) throw new Error(`collect failed (${run.code}): ${run.stderr}`);
    snapshot = JSON.parse(readFileSync(snapshotPath, "utf8")) as Snapshot;
  }, START_TIMEOUT_MS);

  afterAll(() => {
    const stopped = spawnSync("bash", [SCRIPT, "stop"], { env, encoding: "utf8", timeout: STOP_TIMEOUT_MS - 10_000 });
    if (work) rmSync(work, { recursive: true, force: true });
    spawnSync("rm", ["-rf", stateDir]);
    if (stopped.status !== 0) throw new Error(`scripts/ejabberd-test-server.sh stop failed: ${stopped.stderr}`);
  }, STOP_TIMEOUT_MS);

  it("binds every listener, the Erlang distribution and epmd to loopback only", () => {
    const sockets = spawnSync("ss", ["-ltnupH"], { encoding: "utf8" });
    if (sockets.status !== 0) return; // no iproute2 here; the config itself says ip: 127.0.0.1 for every listener
    const pid = readFileSync(join(stateDir, "run/ejabberd.pid"), "utf8").trim();
    const ours = sockets.stdout.split("\n").filter((l) => l.includes(`pid=${pid},`) || l.includes('"epmd"'));
    expect(ours.length).toBeGreaterThanOrEqual(5);
    for (const line of ours) expect(line.split(/\s+/)[4]).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);
  });

  it("reports the version the server and the package report", () => {
    expect(snapshot.software?.product).toBe("ejabberd");
    expect(snapshot.software?.version).toBe(server.EJABBERD_VERSION);
    const dpkg = spawnSync("dpkg-query", ["-W", "-f", "${Version}", "ejabberd"], { encoding: "utf8" });
    if (dpkg.status === 0) expect(dpkg.stdout.trim()).toBe(snapshot.software?.version);
  });

  it("lists the registered users, their last activity and, from the acl, the one admin", () => {
    const now = Date.now();
    const users = new Map(snapshot.users!.map((u) => [u.id, u]));
    expect([...users.keys()].sort()).toEqual(["admin@localhost", "alice@localhost", "bob@localhost", "carol@localhost", "dave@localhost"]);
    expect(snapshot.users!.filter((u) => u.roles?.includes("admin")).map((u) => u.id)).toEqual(["admin@localhost"]);
    const daysAgo = (id: string) => (now - Date.parse(users.get(id)!.lastActiveAt!)) / DAY_MS;
    expect(daysAgo("alice@localhost")).toBeCloseTo(1, 1);
    expect(daysAgo("admin@localhost")).toBeCloseTo(2, 1);
    expect(daysAgo("carol@localhost")).toBeCloseTo(400, 1);
    expect(users.get("dave@localhost")!.lastActiveAt).toBeNull();
    expect(snapshot.metadata).toMatchObject({ name: "localhost", platform: "ejabberd", source: "collect:ejabberd" });
    // Endpoints come from the config through the ejabberd importer: every listener, each on loopback.
    const hosts = [ports.c2s, ports.legacyTls, ports.api, ports.http].map((p) => `127.0.0.1:${p}`);
    expect(snapshot.endpoints?.map((e) => new URL(e.url!).host).sort()).toEqual(hosts.sort());
    expect(snapshot.endpoints?.find((e) => e.url === `http://127.0.0.1:${ports.http}/admin`)?.tls?.enabled).toBe(false);
  });

  it("writes the password nowhere: not in the snapshot, not on stdout or stderr", () => {
    const encoded = Buffer.from(`${server.EJABBERD_ADMIN_JID}:${password}`).toString("base64");
    for (const text of [readFileSync(snapshotPath, "utf8"), collectOutput]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(encoded);
    }
  });

  it("calls only allow-listed read-only commands on the real server", async () => {
    const called: string[] = [];
    await collectSnapshot({
      platform: "ejabberd", url: server.EJABBERD_API_URL!, credentials: { kind: "basic", user: server.EJABBERD_ADMIN_JID!, password },
      collectedAt: new Date().toISOString(), timeoutMs: 10_000, concurrency: 4, ca: readFileSync(server.EJABBERD_CA_FILE!, "utf8"),
      onRequest: ({ method, path }) => called.push(`${method} ${path}`),
    });
    expect(called.length).toBeGreaterThan(5);
    for (const call of called) expect(EJABBERD_READ_ONLY_COMMANDS).toContain(call.replace(/^POST \//, ""));
    // Nothing was written: the server still has exactly the accounts the setup registered.
    const users = execFileSync(EJABBERDCTL, ["--config-dir", join(stateDir, "etc"), "--spool", join(stateDir, "spool"), "--logs", join(stateDir, "logs"), "registered_users", "localhost"], { encoding: "utf8", cwd: "/" });
    expect(users.trim().split("\n").sort()).toEqual(["admin", "alice", "bob", "carol", "dave"]);
  });

  it("refuses the self-signed certificate without --ca-file, in one line, exit 2", async () => {
    const run = await runCollect(
      ["ejabberd", "--url", server.EJABBERD_API_URL!, "--user", server.EJABBERD_ADMIN_JID!, "--password-env", "LIVE_EJABBERD_PASSWORD", "--output", join(work, "never.json")],
      { LIVE_EJABBERD_PASSWORD: password },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `chataudit: error: ${server.EJABBERD_API_URL}/status: TLS error: the server's certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT); pass --ca-file <pem> to trust its CA, or --insecure to skip verification\n`,
    );
    expect(existsSync(join(work, "never.json"))).toBe(false);
  });

  it("refuses a wrong password in one line, exit 2", async () => {
    const run = await runCollect(
      ["ejabberd", "--url", server.EJABBERD_API_URL!, "--user", server.EJABBERD_ADMIN_JID!, "--password-env", "LIVE_EJABBERD_PASSWORD", "--insecure", "--output", join(work, "never.json")],
      { LIVE_EJABBERD_PASSWORD: `${password}-wrong` },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^chataudit: error: .*\/api\/status: the server refused the credentials \(HTTP 401: You are not authorized to call this command\.\); check --user admin@localhost and the password in \$LIVE_EJABBERD_PASSWORD\n$/);
    expect(run.stderr).not.toContain(password);
  });

  it("scans to findings the live server deserves: TLS floor left to the library on the legacy listener, a dormant account", async () => {
    const report = await scan({ inputs: [snapshotPath], platform: "snapshot", asOf: new Date().toISOString(), builtin: true, failOn: "none" });
    expect(report.inputs.map((i) => i.status)).toEqual(["ok"]);
    const failing = report.findings.filter((f) => f.status === "fail").map((f) => `${f.policyId} ${f.category} ${f.subject}`);
    // The legacy direct-TLS listener has no protocol_options: its TLS floor is the library default.
    expect(failing).toContain(`CA-END-002 endpoints endpoints/c2s ${ports.legacyTls}`);
    // The listeners that pin no_tlsv1/no_tlsv1_1 pass.
    expect(failing).not.toContain(`CA-END-002 endpoints endpoints/c2s ${ports.c2s}`);
    expect(failing).not.toContain(`CA-END-002 endpoints endpoints/http ${ports.api} /api`);
    // carol has not been active for 400 days (get_last through the API), yet her account is active.
    expect(failing).toContain("CA-ACC-005 access users/carol@localhost");
    // The admin was active two days ago.
    expect(failing.filter((f) => f.startsWith("CA-ACC-010"))).toEqual([]);
  });
});
