// `chataudit collect`: credentials only from the environment, argument mistakes caught before any request,
// the snapshot written whole with the config folded in, failures as one line and exit code 2.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/snapshot/types.js";
import { validatorFor } from "../../src/schema.js";
import { ejabberdReplay } from "./ejabberd-replay.js";
import { fixture, REPO_ROOT, startServer, type RecordedServer } from "./recorded-server.js";
import { runCollect, type CliRun } from "./run-collect.js";

const PASSWORD = "canary-cli-pw-b81e";
const MM_TOKEN = "canary-cli-mm-token-02c4";
const CONFIG = join(REPO_ROOT, "fixtures/collectors/ejabberd/loopback-plain-admin.ejabberd.yml");

let dir: string;
let ejabberd: RecordedServer;
let mattermost: RecordedServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "chataudit-collect-"));
  ejabberd = await startServer(ejabberdReplay(PASSWORD));
  const users = fixture<unknown[]>("mattermost", "users.json");
  mattermost = await startServer((req) => {
    if (req.headers.authorization !== `Bearer ${MM_TOKEN}`) return { status: 401, json: fixture("mattermost", "error-401.json") };
    if (req.path === "/api/v4/system/ping") return { json: fixture("mattermost", "system-ping.json") };
    if (req.path === "/api/v4/config/client") return { json: fixture("mattermost", "config-client-old.json") };
    if (req.path === "/api/v4/roles") return { json: fixture("mattermost", "roles.json") };
    if (req.path === "/api/v4/users") {
      const perPage = Number(req.query.get("per_page"));
      const page = Number(req.query.get("page"));
      return { json: users.slice(page * perPage, (page + 1) * perPage) };
    }
    return { status: 404, json: {} };
  });
});
afterAll(async () => {
  await ejabberd.close();
  await mattermost.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectNoSecret(run: CliRun, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

/** One `chataudit: error: ...` line, no stack trace. */
function expectOneErrorLine(run: CliRun, pattern: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^chataudit: error: .*\n$/);
  expect(run.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).toMatch(pattern);
}

describe("chataudit collect: arguments", () => {
  const ejabberdArgs = () => ["ejabberd", "--url", `${ejabberd.url}/api`, "--user", "admin@localhost", "--output", join(dir, "never.json")];

  it("refuses a password on the command line and says where it goes instead", async () => {
    const before = ejabberd.requests.length;
    const run = await runCollect([...ejabberdArgs(), "--password", PASSWORD]);
    expectOneErrorLine(run, /--password is not accepted: command lines are visible to other users; put the password in an environment variable and pass its name with --password-env/);
    expectNoSecret(run, PASSWORD);
    expect(ejabberd.requests.length).toBe(before);
  });

  it("refuses a token on the command line", async () => {
    const run = await runCollect(["mattermost", "--url", mattermost.url, "--token", MM_TOKEN, "--output", join(dir, "never.json")]);
    expectOneErrorLine(run, /--token is not accepted/);
    expectNoSecret(run, MM_TOKEN);
  });

  it("names the environment variable that is missing", async () => {
    const run = await runCollect([...ejabberdArgs(), "--password-env", "CHATAUDIT_TEST_UNSET_PW"]);
    expectOneErrorLine(run, /environment variable CHATAUDIT_TEST_UNSET_PW \(named by --password-env\) is not set or empty/);
  });

  it("notices a value passed where a variable name belongs, without printing it", async () => {
    const run = await runCollect([...ejabberdArgs(), "--password-env", "s3cr3t!value"]);
    expectOneErrorLine(run, /--password-env takes the name of an environment variable \(like CHAT_ADMIN_PASSWORD\), not the value itself/);
    expectNoSecret(run, "s3cr3t!value");
  });

  it("rejects contradictory or malformed options before any request", async () => {
    const env = { EJ_PW: PASSWORD };
    const before = ejabberd.requests.length;
    expectOneErrorLine(await runCollect([...ejabberdArgs(), "--password-env", "EJ_PW", "--insecure", "--ca-file", CONFIG], env), /--ca-file and --insecure contradict each other/);
    expectOneErrorLine(await runCollect([...ejabberdArgs(), "--password-env", "EJ_PW", "--timeout", "soon"], env), /--timeout must be a whole number from 1 to 600000, got "soon"/);
    expectOneErrorLine(await runCollect([...ejabberdArgs(), "--password-env", "EJ_PW", "--concurrency", "0"], env), /--concurrency must be a whole number from 1 to 64/);
    expectOneErrorLine(await runCollect([...ejabberdArgs(), "--password-env", "EJ_PW", "--ca-file", CONFIG], env), /--ca-file .*: expected PEM certificates/);
    expectOneErrorLine(await runCollect([...ejabberdArgs(), "--token-env", "EJ_PW"], env), /ejabberd does not take --token-env; it authenticates with --user and --password-env/);
    expectOneErrorLine(await runCollect(["ejabberd", "--url", "ftp://x/api", "--user", "admin@localhost", "--password-env", "EJ_PW", "--output", "x.json"], env), /--url must use https:\/\//);
    expectOneErrorLine(await runCollect(["ejabberd", "--url", `${ejabberd.url}/api`, "--user", "admin", "--password-env", "EJ_PW", "--output", "x.json"], env), /--user must be a JID such as admin@example.org, got "admin"/);
    expectOneErrorLine(await runCollect(["prosody", "--url", "https://x", "--output", "x.json"]), /cannot collect from "prosody" \(known: ejabberd, mattermost, synapse, rocketchat\)/);
    expectOneErrorLine(
      await runCollect(["rocketchat", "--url", "https://x", "--user-id-env", "EJ_PW", "--token-env", "EJ_PW", "--config", CONFIG, "--output", "x.json"], env),
      /rocketchat has no config file to pass with --config; its settings are read from the API/,
    );
    expect(ejabberd.requests.length).toBe(before);
  });
});

describe("chataudit collect: a run", () => {
  it("writes an ejabberd snapshot with the config's endpoints and acl admins, and no password anywhere", async () => {
    const output = join(dir, "out", "ejabberd.json");
    const run = await runCollect(
      ["ejabberd", "--url", `${ejabberd.url}/api`, "--user", "admin@localhost", "--password-env", "EJ_PW", "--config", CONFIG, "--as-of", "2026-11-29T12:00:00Z", "--output", output],
      { EJ_PW: PASSWORD },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Wrote ${output}: localhost, ejabberd 23.01-1, 5 users (1 admin)\n`);
    const text = readFileSync(output, "utf8");
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(`admin@localhost:${PASSWORD}`).toString("base64"));
    const snapshot = JSON.parse(text) as Snapshot;
    expect(validatorFor("snapshot")(snapshot)).toBe(true);
    expect(snapshot.metadata).toEqual({ name: "localhost", platform: "ejabberd", collectedAt: "2026-11-29T12:00:00.000Z", source: "collect:ejabberd" });
    expect(snapshot.software?.version).toBe("23.01-1");
    expect(snapshot.users?.filter((u) => u.roles?.includes("admin")).map((u) => u.id)).toEqual(["admin@localhost"]);
    expect(snapshot.users?.map((u) => u.id)).toEqual(["admin@localhost", "alice@localhost", "bob@localhost", "carol@localhost", "dave@localhost"]);
    // From the config, through the ejabberd importer.
    expect(snapshot.endpoints?.find((e) => e.url === "http://127.0.0.1:5280/admin")).toMatchObject({ kind: "admin", tls: { enabled: false } });
    expect((snapshot.settings as { acl?: unknown }).acl).toBeDefined();
    expect((snapshot.settings as { collected?: { vhosts?: string[] } }).collected?.vhosts).toEqual(["localhost"]);
  });

  it("writes a Mattermost snapshot with the token from the environment", async () => {
    const output = join(dir, "mattermost.json");
    const run = await runCollect(["mattermost", "--url", `${mattermost.url}/api/v4`, "--token-env", "MM_TOKEN", "--output", output], { MM_TOKEN });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Wrote .*mattermost\.json: chat\.example\.com, mattermost 9\.5\.0, 130 users \(2 admins\)\n$/);
    expectNoSecret(run, MM_TOKEN);
    expect(readFileSync(output, "utf8")).not.toContain(MM_TOKEN);
  });

  it("fails with one line and exit 2 when the server is unreachable, leaving the previous snapshot in place", async () => {
    const output = join(dir, "kept.json");
    writeFileSync(output, "previous snapshot\n");
    const closed = await startServer(() => ({ json: {} }));
    await closed.close();
    const run = await runCollect(
      ["ejabberd", "--url", `https://127.0.0.1:${closed.port}/api`, "--user", "admin@localhost", "--password-env", "EJ_PW", "--output", output],
      { EJ_PW: PASSWORD },
    );
    expectOneErrorLine(run, new RegExp(`^chataudit: error: https://127\\.0\\.0\\.1:${closed.port}/api/status: connection refused`));
    expectNoSecret(run, PASSWORD);
    expect(readFileSync(output, "utf8")).toBe("previous snapshot\n");
  });

  it("fails with one line and exit 2 on a wrong password, and says which variable held it", async () => {
    const run = await runCollect(
      ["ejabberd", "--url", `${ejabberd.url}/api`, "--user", "admin@localhost", "--password-env", "EJ_PW", "--output", join(dir, "never.json")],
      { EJ_PW: "not-the-password" },
    );
    expectOneErrorLine(run, /the server refused the credentials \(HTTP 401: You are not authorized to call this command\.\); check --user admin@localhost and the password in \$EJ_PW$/m);
    expectNoSecret(run, "not-the-password", PASSWORD);
  });
});

describe("chataudit collect: progress on a terminal", () => {
  it("redraws one line at most ten times a second, always shows the last count, and clears it at the end", async () => {
    const { ttyProgress } = await import("../../src/cli/collect.js");
    const writes: string[] = [];
    const progress = ttyProgress({ write: (s: string) => (writes.push(s), true) } as never);
    for (let done = 1; done <= 500; done += 1) progress.listener("users", done, 500);
    progress.finish();
    expect(writes[0]).toBe("\r\x1b[2Kcollecting users 1/500");
    expect(writes.at(-2)).toBe("\r\x1b[2Kcollecting users 500/500");
    expect(writes.at(-1)).toBe("\r\x1b[2K");
    expect(writes.length).toBeLessThan(20);
  });

  it("shows a bare count while the total is unknown, and writes nothing when nothing happened", async () => {
    const { ttyProgress } = await import("../../src/cli/collect.js");
    const writes: string[] = [];
    const quiet = ttyProgress({ write: (s: string) => (writes.push(s), true) } as never);
    quiet.finish();
    expect(writes).toEqual([]);
    const counting = ttyProgress({ write: (s: string) => (writes.push(s), true) } as never);
    counting.listener("users", 200);
    expect(writes).toEqual(["\r\x1b[2Kcollecting users 200"]);
  });
});
