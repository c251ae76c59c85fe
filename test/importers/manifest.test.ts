// Deployment manifests: config + users export + version + facts merged into one valid snapshot whose values
// point at the file and line they came from; every mistake in a manifest is an InputError at its line.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importManifest, isManifest } from "../../src/importers/index.js";
import type { NativeFile } from "../../src/importers/types.js";
import { importUsersExport } from "../../src/importers/users.js";
import { COLLECTED_AT, expectValidSnapshot, fixture, inputError, lineOf, NATIVE } from "./support.js";

const DEPLOYMENT = join(NATIVE, "deployment");

describe("the chat-prod deployment manifest", () => {
  const file = fixture("deployment/chat-prod.deployment.yaml");
  const facts = fixture("deployment/chat-prod.facts.yaml");
  const config = fixture("mattermost/mattermost-hardened.config.json");
  const users = fixture("mattermost/mattermost-users.json");
  const result = importManifest(file, DEPLOYMENT, { collectedAt: COLLECTED_AT });
  const { snapshot, provenance } = result;

  it("is recognised as a manifest", () => {
    expect(isManifest({ apiVersion: "chataudit/v1", kind: "Deployment" })).toBe(true);
    expect(isManifest({ apiVersion: "chataudit/v1", kind: "Snapshot" })).toBe(false);
  });

  it("imports into a valid snapshot named and labelled by the manifest", () => {
    expectValidSnapshot(snapshot);
    expect(snapshot.metadata).toEqual({ name: "chat-prod", platform: "mattermost", collectedAt: COLLECTED_AT, source: "import:mattermost", environment: "production" });
    expect(provenance.get("metadata.name")).toEqual({ path: file.path, line: lineOf(file, "name: chat-prod"), column: 3 });
  });

  it("lists every file it read, the manifest first, as shown to the user", () => {
    expect(result.sources).toEqual([file.path, config.path, users.path, facts.path]);
  });

  it("keeps config-derived values located in the config", () => {
    expect(snapshot.retention?.messages).toEqual({ enabled: true, maxAgeDays: 365 });
    expect(provenance.get("retention.messages.maxAgeDays")).toMatchObject({ path: config.path, line: lineOf(config, '"MessageRetentionDays"') });
  });

  it("takes the installed version from the manifest, located there", () => {
    expect(snapshot.software).toEqual({ product: "mattermost", securityAlerts: true, version: "10.11.2", installedAt: "2026-04-20", latestVersion: "10.11.4", autoUpdate: false, supportEndsAt: "2026-11-15" });
    expect(provenance.get("software.version")).toMatchObject({ path: file.path, line: lineOf(file, "installed: 10.11.2") });
  });

  it("takes users from the export and their employment from the facts, matched by username", () => {
    expect(snapshot.users?.map((u) => [u.username, u.roles, u.status, u.employment])).toEqual([
      ["alice", ["system_user", "system_admin"], "active", "active"],
      ["bob", ["system_user", "system_manager"], "active", "terminated"],
      ["carol", ["system_user", "system_admin"], "deactivated", "terminated"],
      ["guest-dana", ["system_guest"], "active", undefined],
      ["ci-bot", ["system_user", "system_post_all"], "active", undefined],
    ]);
    expect(provenance.get("users.1")).toMatchObject({ path: users.path, line: lineOf(users, '"username": "bob"') - 2 });
    expect(provenance.get("users.1.employment")).toMatchObject({ path: facts.path, line: lineOf(facts, "username: bob") });
    expect(provenance.get("users.1.mfa")).toMatchObject({ path: users.path });
  });

  it("adds the facts no config holds, each located at its line in the facts file", () => {
    expect(snapshot.backups?.runs).toHaveLength(2);
    expect(snapshot.monitoring).toEqual({ metrics: { enabled: true }, alerts: expect.any(Array) });
    expect(snapshot.audit?.logging?.enabled).toBe(true);
    expect(snapshot.audit?.lastSecurityAuditAt).toBe("2026-02-10");
    expect(provenance.get("backups.runs.1.completedAt")).toMatchObject({ path: facts.path, line: lineOf(facts, "nightly-2026-05-31") });
    expect(provenance.get("training.completionRate")).toMatchObject({ path: facts.path, line: lineOf(facts, "completionRate") });
    expect(provenance.get("audit.logging.enabled")).toMatchObject({ path: config.path });
  });
});

/** A folder with the given files; returns its path. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "chataudit-manifest-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const HEAD = "apiVersion: chataudit/v1\nkind: Deployment\n";
const manifestFile = (body: string): NativeFile => ({ path: "deploy/manifest.yaml", text: HEAD + body });
const importIn = (dir: string, body: string) => importManifest(manifestFile(body), dir, { collectedAt: COLLECTED_AT });

describe("manifest details", () => {
  const ejabberd = "hosts: [chat.example.org]\nlisten: []\nacl:\n  admin:\n    user: [admin@chat.example.org]\n";

  it("detects the platform from the config when the manifest does not name it", () => {
    const result = importIn(folder({ "ejabberd.yml": ejabberd }), "config: ejabberd.yml\n");
    expect(result.snapshot.metadata.platform).toBe("ejabberd");
    expect(result.provenance.get("users.0")).toMatchObject({ path: "deploy/ejabberd.yml", line: 5 });
  });

  it("keeps an unquoted version's text: 10.10 is not 10.1", () => {
    expect(importIn(folder({ "e.yml": ejabberd }), "config: e.yml\nversion: { installed: 10.10 }\n").snapshot.software?.version).toBe("10.10");
  });

  it("takes facts inline, located in the manifest", () => {
    const result = importIn(folder({ "e.yml": ejabberd }), "config: e.yml\nsnapshot:\n  accessReviews:\n    - { completedAt: 2026-05-01, reviewer: ciso }\n");
    expect(result.snapshot.accessReviews).toEqual([{ completedAt: "2026-05-01", reviewer: "ciso" }]);
    expect(result.provenance.get("accessReviews.0.reviewer")).toMatchObject({ path: "deploy/manifest.yaml", line: 6 });
  });

  it("merges a users export with the admins the config names", () => {
    const dir = folder({ "e.yml": ejabberd, "users.json": JSON.stringify([{ id: "admin@chat.example.org", username: "admin@chat.example.org", roles: "system_user", last_activity_at: 1_700_000_000_000 }]) });
    const result = importIn(dir, "config: e.yml\nusers: users.json\n");
    expect(result.snapshot.users).toEqual([{ id: "admin@chat.example.org", username: "admin@chat.example.org", roles: ["admin", "system_user"], status: "active", guest: false, bot: false, lastActiveAt: "2023-11-14T22:13:20.000Z" }]);
    // The export lists every account, so `users` is no longer the config's admins alone.
    expect(result.snapshot.metadata.usersListed).toBeUndefined();
    expect(result.provenance.has("metadata.usersListed")).toBe(false);
    expect(importIn(folder({ "e.yml": ejabberd }), "config: e.yml\n").snapshot.metadata.usersListed).toBe("admins");
  });

  it("adds a user from the facts when it has an id, and refuses an unknown username", () => {
    const dir = folder({ "e.yml": ejabberd });
    expect(importIn(dir, "config: e.yml\nsnapshot:\n  users:\n    - { id: new@chat.example.org, employment: active }\n").snapshot.users).toHaveLength(2);
    const error = inputError(() => importIn(dir, "config: e.yml\nsnapshot:\n  users:\n    - { username: nobody, employment: terminated }\n"));
    expect(error.message).toContain('no user named "nobody"');
    expect(error.where).toMatchObject({ file: "deploy/manifest.yaml", line: 6 });
  });

  it("works without a config when the platform is named", () => {
    const result = importIn(folder({}), "platform: prosody\nmetadata: { name: xmpp }\nsnapshot: { training: { onboardingRequired: true } }\n");
    expectValidSnapshot(result.snapshot);
    expect(result.snapshot.metadata).toMatchObject({ name: "xmpp", platform: "prosody" });
  });

  it("reads users exports of all three APIs", () => {
    expect(importUsersExport({ path: "u.json", text: "[]" }).users).toEqual([]);
    expect(importUsersExport({ path: "u.json", text: '{"users": [], "next_token": null, "total": 0}' }).users).toEqual([]);
    inputError(() => importUsersExport({ path: "u.json", text: '{"members": []}' }));
  });
});

describe("manifest mistakes", () => {
  const dir = folder({ "e.yml": "hosts: [x]\nlisten: []\n", "bad.yml": "listen: [\n", "facts.yaml": "backups:\n  runs:\n    - { status: ok }\n", "list.json": "[1]" });

  it("names an unknown field at its line", () => {
    const error = inputError(() => importIn(dir, "config: e.yml\nconfg: x\n"));
    expect(error.message).toBe("unknown field `confg` in the manifest; expected one of: apiVersion, kind, metadata, platform, config, users, version, snapshot");
    expect(error.where).toMatchObject({ file: "deploy/manifest.yaml", line: 4 });
  });

  it("names a missing file at the line that refers to it", () => {
    const error = inputError(() => importIn(dir, "config: e.yml\nusers: missing.json\n"));
    expect(error.message).toBe("cannot read `users` file missing.json: no such file");
    expect(error.where?.line).toBe(4);
  });

  it("refuses an unknown platform", () => {
    expect(inputError(() => importIn(dir, "platform: irc\nconfig: e.yml\n")).message).toContain("one of prosody, mattermost");
  });

  it("asks for a platform when the config is not recognisable", () => {
    expect(inputError(() => importIn(dir, "config: list.json\n")).message).toMatch(/cannot tell which platform list\.json is for; add `platform:`/);
  });

  it("reports a broken config in the config file", () => {
    expect(inputError(() => importIn(dir, "platform: ejabberd\nconfig: bad.yml\n")).where?.file).toBe("deploy/bad.yml");
  });

  it("reports an invalid fact at its line in the facts file", () => {
    const error = inputError(() => importIn(dir, "config: e.yml\nsnapshot: facts.yaml\n"));
    expect(error.message).toContain("backups.runs.0.status");
    expect(error.where).toMatchObject({ file: "deploy/facts.yaml", line: 3 });
  });

  it("refuses a document that is not a manifest", () => {
    expect(inputError(() => importManifest({ path: "m.yaml", text: "apiVersion: chataudit/v1\nkind: Snapshot\n" }, dir, { collectedAt: COLLECTED_AT })).message).toMatch(/^expected a chataudit deployment manifest/);
  });
});
