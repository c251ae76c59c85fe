// The release catalogue: latest versions and end-of-support dates of the chat servers, for snapshots that lack them.

import { promises as fs } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { DATA_DIR, PACKAGE_ROOT } from "../paths.js";
import type { Snapshot } from "../snapshot/types.js";
import { readSourceText } from "../source/text.js";
import { parseYaml, positionAtPath } from "../source/yaml.js";
import { parseDate, parseVersion } from "./operations.js";

/** One release line of a product ("11.7"), as the vendor publishes it. */
export interface CatalogueRelease {
  version: string;
  /** Newest patch of the line known on the catalogue's date. */
  latestPatch?: string;
  releasedAt?: string;
  /** Only where the vendor publishes one. */
  supportEndsAt?: string;
  /** A vendor long-term line (Mattermost ESR, Rocket.Chat LTS). */
  extendedSupport?: boolean;
}

export interface CatalogueProduct {
  name: string;
  /** Spellings of software.product (and metadata.platform) that mean this product, lower case. */
  aliases: string[];
  source?: string;
  support?: string;
  releases: CatalogueRelease[];
}

export interface ReleaseCatalogue {
  /** The day the newest fact was checked (YYYY-MM-DD). */
  catalogueDate: string;
  /** The file it was read from, as shown to people. */
  source: string;
  /** Keyed by product id (mattermost, synapse, rocketchat, ejabberd, prosody). */
  products: Record<string, CatalogueProduct>;
}

export interface Enrichment {
  snapshot: Snapshot;
  /** Snapshot paths the catalogue filled in ("software.latestVersion", "software.supportEndsAt"). */
  filled: string[];
}

/** The catalogue shipped with chataudit. */
export const BUNDLED_RELEASE_CATALOGUE = join(DATA_DIR, "releases.yaml");
const BUNDLED_CATALOGUE_SHOWN = "data/releases.yaml";
const MAX_CATALOGUE_BYTES = 16 * 1024 * 1024;

/** How old a catalogue may be before scans warn that "latest" may no longer be latest. */
export const DEFAULT_CATALOGUE_MAX_AGE_DAYS = 90;

const MS_PER_DAY = 86_400_000;

/**
 * The bundled catalogue as the build checked it (scripts/build-prebuilt.js), with the hash of the YAML it came from:
 * a scan then needs neither the yaml library nor the checks. Absent in a source checkout that was never built.
 */
export const PRECOMPILED_CATALOGUE_FILE = join(PACKAGE_ROOT, "dist", "releases.json");

const PRECOMPILED_FORMAT = 1;

interface PrecompiledCatalogue {
  format: typeof PRECOMPILED_FORMAT;
  /** SHA-256 of data/releases.yaml's bytes when it was checked. */
  sha256: string;
  catalogue: ReleaseCatalogue;
}

/**
 * Read and check a release catalogue: the bundled one when no file is given (its precompiled form while the YAML
 * still hashes the same; `precompiled: false` always parses). Throws InputError at the bad line.
 */
export async function loadReleaseCatalogue(file?: string, precompiled: string | false = PRECOMPILED_CATALOGUE_FILE): Promise<ReleaseCatalogue> {
  const path = file ?? BUNDLED_RELEASE_CATALOGUE;
  const shown = file ?? BUNDLED_CATALOGUE_SHOWN;
  const source = await readSourceText(path, shown, MAX_CATALOGUE_BYTES);
  if (file === undefined && precompiled !== false) {
    const prebuilt = await precompiledCatalogue(precompiled, source.sha256);
    if (prebuilt) return prebuilt;
  }
  return parseReleaseCatalogue(source.text, shown);
}

/** The precompiled catalogue if it was made from YAML with this hash; undefined when missing, foreign or stale. */
async function precompiledCatalogue(packFile: string, sha256: string): Promise<ReleaseCatalogue | undefined> {
  try {
    const pack = JSON.parse(await fs.readFile(packFile, "utf8")) as PrecompiledCatalogue;
    return pack?.format === PRECOMPILED_FORMAT && pack.sha256 === sha256 && pack.catalogue ? pack.catalogue : undefined;
  } catch {
    return undefined;
  }
}

/** Check the bundled catalogue and write its precompiled form; throws InputError (and writes nothing) when it is invalid. */
export async function precompileBundledCatalogue(packFile = PRECOMPILED_CATALOGUE_FILE): Promise<void> {
  const source = await readSourceText(BUNDLED_RELEASE_CATALOGUE, BUNDLED_CATALOGUE_SHOWN, MAX_CATALOGUE_BYTES);
  const pack: PrecompiledCatalogue = {
    format: PRECOMPILED_FORMAT,
    sha256: source.sha256,
    catalogue: parseReleaseCatalogue(source.text, BUNDLED_CATALOGUE_SHOWN),
  };
  await fs.writeFile(packFile, `${JSON.stringify(pack)}\n`, "utf8");
}

/** Check catalogue text already read (used by the loader and by tests). */
export function parseReleaseCatalogue(text: string, file: string): ReleaseCatalogue {
  const parsed = parseYaml(text, file);
  const fail = (path: (string | number)[], message: string): never => {
    throw new InputError(message, { file, ...positionAtPath(parsed, path) });
  };
  const root = parsed.value;
  if (!isRecord(root)) return fail([], "a release catalogue is a mapping with catalogueDate and products");
  if (typeof root.catalogueDate !== "string" || parseDate(root.catalogueDate) === null) {
    fail(["catalogueDate"], "`catalogueDate` must be an ISO 8601 date (e.g. 2026-09-22)");
  }
  if (!isRecord(root.products) || Object.keys(root.products).length === 0) {
    fail(["products"], "`products` must map product ids (mattermost, synapse, ...) to their releases");
  }
  const products: Record<string, CatalogueProduct> = {};
  for (const [id, value] of Object.entries(root.products as Record<string, unknown>)) {
    products[id] = checkProduct(id, value, fail);
  }
  return { catalogueDate: root.catalogueDate as string, source: file, products };
}

type Fail = (path: (string | number)[], message: string) => never;

function checkProduct(id: string, value: unknown, fail: Fail): CatalogueProduct {
  const at = ["products", id];
  if (!isRecord(value)) return fail(at, `product ${id} must be a mapping with name and releases`);
  if (typeof value.name !== "string" || value.name === "") fail([...at, "name"], `product ${id} needs a name`);
  const aliases = value.aliases ?? [];
  if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== "string")) {
    fail([...at, "aliases"], `\`aliases\` of ${id} must be a list of strings`);
  }
  for (const key of ["source", "support"] as const) {
    if (value[key] !== undefined && typeof value[key] !== "string") fail([...at, key], `\`${key}\` of ${id} must be a string`);
  }
  if (!Array.isArray(value.releases) || value.releases.length === 0) {
    fail([...at, "releases"], `product ${id} needs a non-empty list of releases`);
  }
  const releases = (value.releases as unknown[]).map((r, i) => checkRelease(r, [...at, "releases", i], fail));
  return {
    name: value.name as string,
    aliases: [...new Set([id, ...(aliases as string[])].map((a) => a.toLowerCase()))],
    ...(typeof value.source === "string" ? { source: value.source } : {}),
    ...(typeof value.support === "string" ? { support: value.support } : {}),
    releases,
  };
}

function checkRelease(value: unknown, at: (string | number)[], fail: Fail): CatalogueRelease {
  if (!isRecord(value)) return fail(at, "a release is a mapping with at least a version");
  const known = new Set(["version", "latestPatch", "releasedAt", "supportEndsAt", "extendedSupport"]);
  for (const key of Object.keys(value)) if (!known.has(key)) fail([...at, key], `unknown release field \`${key}\` (known: ${[...known].join(", ")})`);
  for (const key of ["version", "latestPatch"] as const) {
    const v = value[key];
    if (v === undefined && key === "latestPatch") continue;
    if (typeof v !== "string" || parseVersion(v) === null) fail([...at, key], `\`${key}\` must be a version such as "11.7" or "23.01"`);
  }
  for (const key of ["releasedAt", "supportEndsAt"] as const) {
    const v = value[key];
    if (v !== undefined && (typeof v !== "string" || parseDate(v) === null)) fail([...at, key], `\`${key}\` must be an ISO 8601 date`);
  }
  if (value.extendedSupport !== undefined && typeof value.extendedSupport !== "boolean") {
    fail([...at, "extendedSupport"], "`extendedSupport` must be true or false");
  }
  return value as unknown as CatalogueRelease;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The product a snapshot runs: software.product first, then metadata.platform, matched against the aliases. */
export function productOf(snapshot: Snapshot, catalogue: ReleaseCatalogue): CatalogueProduct | undefined {
  const names = [snapshot.software?.product, snapshot.metadata?.platform]
    .filter((n): n is string => typeof n === "string")
    .map((n) => n.trim().toLowerCase());
  for (const name of names) {
    const product = Object.values(catalogue.products).find((p) => p.aliases.includes(name));
    if (product) return product;
  }
  return undefined;
}

/** The newest version the catalogue knows for a product (its highest latestPatch, else line). */
export function newestVersion(product: CatalogueProduct): string | undefined {
  let best: { text: string; v: NonNullable<ReturnType<typeof parseVersion>> } | undefined;
  for (const r of product.releases) {
    const text = r.latestPatch ?? r.version;
    const v = parseVersion(text);
    if (v && (!best || v.compare(best.v) > 0)) best = { text, v };
  }
  return best?.text;
}

/** The release line an installed version belongs to (same major.minor), if the catalogue lists it. */
export function releaseLineOf(product: CatalogueProduct, version: string): CatalogueRelease | undefined {
  const installed = parseVersion(version);
  if (!installed) return undefined;
  return product.releases.find((r) => {
    const line = parseVersion(r.version);
    return line !== null && line.major === installed.major && line.minor === installed.minor;
  });
}

/**
 * Fill software.latestVersion and software.supportEndsAt from the catalogue where the snapshot lacks
 * them. The snapshot's own values always win; the input is not modified.
 */
export function enrichWithCatalogue(snapshot: Snapshot, catalogue: ReleaseCatalogue): Enrichment {
  const software = snapshot.software;
  if (!software || typeof software.version !== "string" || software.version === "") return { snapshot, filled: [] };
  const product = productOf(snapshot, catalogue);
  if (!product) return { snapshot, filled: [] };
  const additions: { latestVersion?: string; supportEndsAt?: string } = {};
  if (software.latestVersion === undefined || software.latestVersion === null) {
    const newest = newestVersion(product);
    if (newest) additions.latestVersion = newest;
  }
  if (software.supportEndsAt === undefined || software.supportEndsAt === null) {
    const ends = releaseLineOf(product, software.version)?.supportEndsAt;
    if (ends) additions.supportEndsAt = ends;
  }
  const filled = Object.keys(additions).map((k) => `software.${k}`);
  if (filled.length === 0) return { snapshot, filled };
  return { snapshot: { ...snapshot, software: { ...software, ...additions } }, filled };
}

/** A warning when the catalogue is older than maxAgeDays at the evaluation clock; undefined when it is fresh. */
export function catalogueAgeWarning(catalogue: ReleaseCatalogue, asOfMs: number, maxAgeDays = DEFAULT_CATALOGUE_MAX_AGE_DAYS): string | undefined {
  const dated = parseDate(catalogue.catalogueDate);
  if (dated === null) return `release catalogue ${catalogue.source} has no valid catalogueDate; latest versions may be out of date`;
  const ageDays = Math.floor((asOfMs - dated) / MS_PER_DAY);
  if (ageDays <= maxAgeDays) return undefined;
  return (
    `release catalogue ${catalogue.source} is dated ${catalogue.catalogueDate}, ${ageDays} days before the evaluation date ` +
    `(limit ${maxAgeDays}); latest versions and support dates may be out of date, so update it or give snapshots software.latestVersion`
  );
}
