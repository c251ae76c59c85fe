// Content-based detection: every sample and fixture is recognised as its platform, everything else as nothing,
// and no input, however broken, makes detection throw.

import fc from "fast-check";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectImporter, getImporter, IMPORTERS } from "../../src/importers/index.js";
import type { NativeFile } from "../../src/importers/types.js";
import { expectValidSnapshot, fixture, sample } from "./support.js";

const platformOf = (file: NativeFile): string | undefined => detectImporter(file)?.platform;

describe("detecting the platform of real configs", () => {
  it.each([
    ["mattermost/dev-seed.config.json", "mattermost"],
    ["synapse/sample_config.yaml", "synapse"],
    ["ejabberd/debian-default.ejabberd.yml", "ejabberd"],
    ["ejabberd/upstream-example.ejabberd.yml", "ejabberd"],
    ["prosody/debian-default.prosody.cfg.lua", "prosody"],
  ])("sample %s is %s", (path, platform) => expect(platformOf(sample(path))).toBe(platform));

  const configs = ["mattermost", "synapse", "rocketchat", "ejabberd", "prosody"].flatMap((dir) =>
    readdirSync(join("fixtures/native", dir)).filter((f) => !f.includes("users")).map((f) => [`${dir}/${f}`, dir] as const),
  );
  it.each(configs)("fixture %s is %s", (path, platform) => expect(platformOf(fixture(path))).toBe(platform));

  it("finds a Prosody config by its Lua content even under another name", () => {
    expect(platformOf({ path: "prosody.conf", text: 'VirtualHost "example.org"\n' })).toBe("prosody");
  });

  it("claims a broken .lua file for Prosody, so that the import can say where it breaks", () => {
    expect(platformOf({ path: "prosody.cfg.lua", text: "admins = {" })).toBe("prosody");
  });
});

describe("not detecting what is no platform config", () => {
  it.each([
    ["users exports", fixture("mattermost/mattermost-users.json")],
    ["a Synapse users export", fixture("synapse/synapse-users.json")],
    ["a Rocket.Chat users list", fixture("rocketchat/rocketchat-users.json")],
    [
      "a mongoexport of another collection (every document has an _id)",
      { path: "users.json", text: '[{"_id": "aB3dE5fG7hJ9kL1mN", "username": "alice", "roles": ["admin"]}, {"_id": "x2", "username": "bob"}]' },
    ],
    ["a deployment manifest", fixture("deployment/chat-prod.deployment.yaml")],
    ["partial snapshot facts", fixture("deployment/chat-prod.facts.yaml")],
    ["a chataudit snapshot", { path: "s.yaml", text: "apiVersion: chataudit/v1\nkind: Snapshot\nmetadata: {name: x, platform: mattermost, collectedAt: 2026-01-01}\nsettings:\n  ServiceSettings: {}\n" }],
    ["a snapshot that also has top-level ServiceSettings", { path: "s.json", text: '{"kind": "Snapshot", "ServiceSettings": {}}' }],
    ["other Lua", { path: "init.lua", text: "local x = 1\nreturn x\n" }],
    ["an empty file", { path: "empty.yaml", text: "" }],
    ["binary garbage", { path: "blob.json", text: "\u0000\u0001\u0002\uFFFD{{{" }],
    ["half a JSON object", { path: "half.json", text: '{"ServiceSettings": {' }],
    ["a YAML list", { path: "list.yaml", text: "- listen\n- hosts\n" }],
    ["a Kubernetes manifest", { path: "deploy.yaml", text: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: chat}\n" }],
  ])("%s", (_what, file) => expect(detectImporter(file)).toBeUndefined());
});

describe("detection never throws", () => {
  it("on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), fc.constantFrom("x.json", "x.yaml", "x.lua", "x"), (text, path) => {
        for (const importer of IMPORTERS) importer.detect({ path, text });
        detectImporter({ path, text });
      }),
      { numRuns: 300 },
    );
  });

  it("on arbitrary JSON and YAML shapes", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value) ?? "null";
        for (const importer of IMPORTERS) importer.detect({ path: "x.json", text });
      }),
      { numRuns: 300 },
    );
  });

  it("on shapes close to real configs", () => {
    const near = fc.record({
      ServiceSettings: fc.option(fc.jsonValue({ maxDepth: 2 })),
      listeners: fc.option(fc.jsonValue({ maxDepth: 2 })),
      listen: fc.option(fc.jsonValue({ maxDepth: 2 })),
      settings: fc.option(fc.jsonValue({ maxDepth: 2 })),
      server_name: fc.option(fc.jsonValue({ maxDepth: 1 })),
      modules: fc.option(fc.jsonValue({ maxDepth: 2 })),
    });
    fc.assert(fc.property(near, (value) => void detectImporter({ path: "x.yaml", text: JSON.stringify(value) })), { numRuns: 300 });
  });
});

describe("the registry", () => {
  it("has one importer per platform, found by name", () => {
    expect(IMPORTERS.map((i) => i.platform).sort()).toEqual(["ejabberd", "mattermost", "prosody", "rocketchat", "synapse"]);
    for (const importer of IMPORTERS) expect(getImporter(importer.platform)).toBe(importer);
    expect(getImporter("irc")).toBeUndefined();
  });
});

describe("importing never crashes", () => {
  // Keys each importer reads, with values of any shape: the result is a valid snapshot or an InputError.
  const vocabulary: Record<string, string[]> = {
    mattermost: ["ServiceSettings", "SqlSettings", "EmailSettings", "LdapSettings", "FileSettings", "DataRetentionSettings", "MetricsSettings", "ElasticsearchSettings", "ExperimentalAuditSettings", "SiteURL", "ListenAddress", "DataSource", "DataSourceReplicas", "Enable", "EnableIndexing", "ConnectionURL", "DriverName", "EnableMessageDeletion", "MessageRetentionHours"],
    synapse: ["server_name", "listeners", "port", "type", "tls", "bind_addresses", "resources", "names", "retention", "enabled", "default_policy", "max_lifetime", "email", "database", "args", "redis", "public_baseurl", "federation_domain_whitelist"],
    ejabberd: ["hosts", "listen", "port", "ip", "module", "tls", "starttls_required", "request_handlers", "define_macro", "acl", "admin", "user", "modules", "mod_mam", "default", "mod_http_upload", "mod_http_upload_quota", "max_days", "sql_type", "host_config"],
    rocketchat: ["settings", "_id", "value", "Site_Url", "RetentionPolicy_Enabled", "SMTP_Host", "Prometheus_Enabled", "FileUpload_Storage_Type"],
  };
  for (const [platform, keys] of Object.entries(vocabulary)) {
    const value: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom(...keys, "http", "ejabberd_c2s", "ejabberd_http", "/admin", "::", "28d", "https://x.example", "postgres://u:p@h/d", true, false, 0, 8080, null),
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom(...keys), tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    it(platform, () => {
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 5 }), (root) => {
          try {
            const result = getImporter(platform)!.import({ path: "x", text: JSON.stringify(root) }, { collectedAt: "2026-06-01T00:00:00Z" });
            expect(result.snapshot.metadata.platform).toBe(platform);
            expectValidSnapshot(result.snapshot);
          } catch (e) {
            expect((e as Error).constructor.name, (e as Error).stack).toBe("InputError");
          }
        }),
        { numRuns: 400 },
      );
    });
  }

  it("prosody", () => {
    const lua = fc.array(
      fc.oneof(
        fc.constantFrom('VirtualHost "x"', 'Component "c" "muc"', 'Component "e"', 'Include "a.lua"', 'modules_enabled = { "mam", "bosh", "http_openmetrics" }', "http_ports = { 80 }", 'http_ports = "x"'),
        fc.tuple(fc.constantFrom("c2s_require_encryption", "archive_expires_after", "admins", "interfaces", "log", "ssl", "tls_profile", "http_file_share_expires_after", "openmetrics_allow_cidr"), fc.constantFrom("true", '"1w"', "{ }", '{ "a@b" }', "7", '"never"', '{ protocol = "tlsv1_2+" }', "nil", '"modern"', "{ 1, { 2 } }")).map(([k, v]) => `${k} = ${v}`),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(lua, (lines) => {
        try {
          expectValidSnapshot(getImporter("prosody")!.import({ path: "p.cfg.lua", text: lines.join("\n") }, { collectedAt: "2026-06-01T00:00:00Z" }).snapshot);
        } catch (e) {
          expect((e as Error).constructor.name, (e as Error).stack).toBe("InputError");
        }
      }),
      { numRuns: 400 },
    );
  });
});
