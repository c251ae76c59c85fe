// The release catalogue: the bundled file is valid and current enough, and enrichment only fills what is missing.

import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import {
  catalogueAgeWarning,
  enrichWithCatalogue,
  loadReleaseCatalogue,
  newestVersion,
  parseReleaseCatalogue,
  productOf,
  releaseLineOf,
  type ReleaseCatalogue,
} from "../../src/policy/catalogue.js";
import { parseDate, parseVersion } from "../../src/policy/operations.js";
import type { Snapshot } from "../../src/snapshot/types.js";

const CATALOGUE = `
catalogueDate: "2026-09-22"
products:
  mattermost:
    name: Mattermost Server
    aliases: [mattermost-enterprise-edition]
    releases:
      - { version: "11.8", latestPatch: "11.8.0", releasedAt: "2026-06-16", supportEndsAt: "2026-09-15" }
      - { version: "11.7", latestPatch: "11.7.6", releasedAt: "2026-05-15", supportEndsAt: "2027-05-15", extendedSupport: true }
      - { version: "10.11", latestPatch: "10.11.14", supportEndsAt: "2026-08-15", extendedSupport: true }
  synapse:
    name: Synapse
    aliases: [matrix-synapse]
    releases:
      - { version: "1.161", latestPatch: "1.161.0" }
      - { version: "1.142", latestPatch: "1.142.1" }
  ejabberd:
    name: ejabberd
    releases:
      - { version: "26.07" }
      - { version: "25.10" }
`;

const catalogue = parseReleaseCatalogue(CATALOGUE, "test-releases.yaml");

function snapshot(software: Snapshot["software"], platform = "snapshot"): Snapshot {
  return {
    apiVersion: "chataudit/v1",
    kind: "Snapshot",
    metadata: { name: "s", platform, collectedAt: "2026-06-01T00:00:00Z" },
    ...(software ? { software } : {}),
  };
}

function parseError(text: string): InputError {
  try {
    parseReleaseCatalogue(text, "bad.yaml");
  } catch (e) {
    return e as InputError;
  }
  throw new Error("expected the catalogue to be rejected");
}

describe("the bundled release catalogue", () => {
  it("loads, covers the five supported platforms and has only valid versions and dates", async () => {
    const bundled = await loadReleaseCatalogue();
    expect(Object.keys(bundled.products).sort()).toEqual(["ejabberd", "mattermost", "prosody", "rocketchat", "synapse"]);
    for (const product of Object.values(bundled.products)) {
      expect(product.releases.length).toBeGreaterThan(0);
      for (const r of product.releases) {
        expect(parseVersion(r.version), `${product.name} ${r.version}`).not.toBeNull();
        for (const d of [r.releasedAt, r.supportEndsAt]) if (d !== undefined) expect(parseDate(d)).not.toBeNull();
        if (r.releasedAt && r.supportEndsAt) expect(parseDate(r.supportEndsAt)!).toBeGreaterThan(parseDate(r.releasedAt)!);
      }
    }
  });

  it("dates no release after the catalogue's own date", async () => {
    const bundled = await loadReleaseCatalogue();
    const dated = parseDate(bundled.catalogueDate)!;
    const later = Object.values(bundled.products).flatMap((p) =>
      p.releases.filter((r) => r.releasedAt && parseDate(r.releasedAt)! > dated).map((r) => `${p.name} ${r.version}`),
    );
    expect(later).toEqual([]);
  });

  it("knows the published Mattermost ESR support ends", async () => {
    const mattermost = (await loadReleaseCatalogue()).products.mattermost!;
    expect(releaseLineOf(mattermost, "10.11.9")?.supportEndsAt).toBe("2026-08-15");
    expect(releaseLineOf(mattermost, "10.5.3")?.supportEndsAt).toBe("2025-11-15");
    expect(releaseLineOf(mattermost, "10.11.9")?.extendedSupport).toBe(true);
  });
});

describe("enrichWithCatalogue", () => {
  it("fills latestVersion with the product's newest patch and supportEndsAt of the installed line", () => {
    const { snapshot: out, filled } = enrichWithCatalogue(snapshot({ product: "mattermost", version: "10.11.9" }), catalogue);
    expect(out.software).toEqual({ product: "mattermost", version: "10.11.9", latestVersion: "11.8.0", supportEndsAt: "2026-08-15" });
    expect(filled).toEqual(["software.latestVersion", "software.supportEndsAt"]);
  });

  it("never overrides the snapshot's own values", () => {
    const own = { product: "mattermost", version: "11.7.2", latestVersion: "11.7.6", supportEndsAt: "2027-12-31" };
    const { snapshot: out, filled } = enrichWithCatalogue(snapshot(own), catalogue);
    expect(out.software).toEqual(own);
    expect(filled).toEqual([]);
  });

  it("fills only what is missing", () => {
    const { snapshot: out, filled } = enrichWithCatalogue(
      snapshot({ product: "mattermost", version: "11.7.2", latestVersion: "11.7.6" }),
      catalogue,
    );
    expect(out.software?.latestVersion).toBe("11.7.6");
    expect(out.software?.supportEndsAt).toBe("2027-05-15");
    expect(filled).toEqual(["software.supportEndsAt"]);
  });

  it("does not modify its input", () => {
    const input = snapshot({ product: "synapse", version: "1.142.0" });
    const before = JSON.stringify(input);
    enrichWithCatalogue(input, catalogue);
    expect(JSON.stringify(input)).toBe(before);
  });

  it("recognises products by alias, case-insensitively, and by platform", () => {
    expect(productOf(snapshot({ product: "Matrix-Synapse", version: "1.1" }), catalogue)?.name).toBe("Synapse");
    expect(productOf(snapshot({ version: "26.07" }, "ejabberd"), catalogue)?.name).toBe("ejabberd");
    const { snapshot: out } = enrichWithCatalogue(snapshot({ version: "25.10" }, "ejabberd"), catalogue);
    expect(out.software?.latestVersion).toBe("26.07");
  });

  it("sets no support end where the vendor publishes none (Synapse)", () => {
    const { snapshot: out, filled } = enrichWithCatalogue(snapshot({ product: "synapse", version: "1.142.0" }), catalogue);
    expect(out.software?.latestVersion).toBe("1.161.0");
    expect(out.software?.supportEndsAt).toBeUndefined();
    expect(filled).toEqual(["software.latestVersion"]);
  });

  it("leaves snapshots alone when the product or the installed version is unknown", () => {
    for (const s of [
      snapshot({ product: "slack", version: "1.0" }),
      snapshot({ product: "mattermost" }),
      snapshot(undefined, "mattermost"),
    ]) {
      const result = enrichWithCatalogue(s, catalogue);
      expect(result.snapshot).toBe(s);
      expect(result.filled).toEqual([]);
    }
  });

  it("fills no support end for a line the catalogue does not list", () => {
    const { snapshot: out } = enrichWithCatalogue(snapshot({ product: "mattermost", version: "9.2.1" }), catalogue);
    expect(out.software?.supportEndsAt).toBeUndefined();
    expect(out.software?.latestVersion).toBe("11.8.0");
  });
});

describe("newestVersion", () => {
  it("compares versions, not strings (11.11 is newer than 11.8)", () => {
    const product = { name: "x", aliases: [], releases: [{ version: "11.8" }, { version: "11.11" }, { version: "9.11" }] };
    expect(newestVersion(product)).toBe("11.11");
  });
});

describe("catalogueAgeWarning", () => {
  const asOf = (iso: string) => Date.parse(iso);

  it("is silent while the catalogue is within its age limit", () => {
    expect(catalogueAgeWarning(catalogue, asOf("2026-12-21T00:00:00Z"), 90)).toBeUndefined();
  });

  it("warns, naming the file, date and age, once the catalogue is older than the limit", () => {
    const warning = catalogueAgeWarning(catalogue, asOf("2026-12-22T00:00:00Z"), 90);
    expect(warning).toContain("test-releases.yaml");
    expect(warning).toContain("2026-09-22");
    expect(warning).toContain("91 days");
  });

  it("uses a 90-day default", () => {
    expect(catalogueAgeWarning(catalogue, asOf("2027-01-30T00:00:00Z"))).toMatch(/limit 90/);
  });
});

describe("parseReleaseCatalogue rejects malformed files at the offending line", () => {
  it("needs a valid catalogueDate", () => {
    const e = parseError(`catalogueDate: soon\nproducts: { x: { name: X, releases: [{ version: "1.0" }] } }\n`);
    expect(e).toBeInstanceOf(InputError);
    expect(e.format()).toMatch(/^bad\.yaml:1:\d+: `catalogueDate` must be an ISO 8601 date/);
  });

  it("refuses a version that is not a version", () => {
    const e = parseError(`catalogueDate: "2026-01-01"\nproducts:\n  x:\n    name: X\n    releases:\n      - { version: "latest" }\n`);
    expect(e.format()).toMatch(/^bad\.yaml:6:\d+: `version` must be a version/);
  });

  it("refuses unknown release fields and bad dates", () => {
    expect(parseError(`catalogueDate: "2026-01-01"\nproducts: { x: { name: X, releases: [{ version: "1.0", eol: "2026-01-01" }] } }\n`).message)
      .toMatch(/unknown release field `eol`/);
    expect(parseError(`catalogueDate: "2026-01-01"\nproducts: { x: { name: X, releases: [{ version: "1.0", supportEndsAt: "2026-02-30" }] } }\n`).message)
      .toMatch(/`supportEndsAt` must be an ISO 8601 date/);
  });

  it("refuses a product without releases", () => {
    expect(parseError(`catalogueDate: "2026-01-01"\nproducts: { x: { name: X, releases: [] } }\n`).message).toMatch(/non-empty list of releases/);
  });

  it("returns a catalogue typed for callers", () => {
    const c: ReleaseCatalogue = catalogue;
    expect(c.source).toBe("test-releases.yaml");
    expect(c.products.mattermost!.aliases).toContain("mattermost");
  });
});
