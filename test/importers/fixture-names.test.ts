// The native fixtures' snapshot names: each config names its own host, so fingerprints and waivers never confuse two of them.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectImporter } from "../../src/importers/index.js";
import { fixture, NATIVE, run } from "./support.js";

/** Every platform config under fixtures/native/<platform>/ (users exports are not snapshots). */
const configs = ["mattermost", "synapse", "rocketchat", "ejabberd", "prosody"].flatMap((dir) =>
  readdirSync(join(NATIVE, dir)).filter((f) => !f.includes("users")).map((f) => `${dir}/${f}`),
);

/** The snapshot name an import gives a fixture: the host its config serves. */
function snapshotName(path: string): string {
  const file = fixture(path);
  const importer = detectImporter(file);
  if (!importer) throw new Error(`${path} is not recognised as a platform config`);
  return run(importer, file).snapshot.metadata.name;
}

describe("native fixture snapshot names", () => {
  it("gives every hardened and insecure config its own host", () => {
    expect(Object.fromEntries(configs.map((path) => [path, snapshotName(path)]))).toEqual({
      "mattermost/mattermost-hardened.config.json": "mm-hardened.example.org",
      "mattermost/mattermost-insecure.config.json": "mm-legacy.example.org",
      "synapse/synapse-hardened.homeserver.yaml": "matrix-hardened.example.org",
      "synapse/synapse-insecure.homeserver.yaml": "matrix-legacy.example.org",
      "rocketchat/rocketchat-hardened.settings.json": "rocket-hardened.example.org",
      "rocketchat/rocketchat-insecure.settings.json": "rocket-legacy.example.org",
      "ejabberd/ejabberd-hardened.ejabberd.yml": "xmpp-hardened.example.net",
      "ejabberd/ejabberd-insecure.ejabberd.yml": "xmpp-legacy.example.net",
      "prosody/prosody-hardened.cfg.lua": "im-hardened.example.com",
      "prosody/prosody-insecure.cfg.lua": "im-legacy.example.com",
    });
  });

  it("never shares a name between two fixtures", () => {
    const names = configs.map(snapshotName);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });
});
