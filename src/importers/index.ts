// The importer registry the loader and CLI call: importers by platform, content-based detection, and
// deployment manifests that combine a native config with exports and organisational facts.

import { ejabberdImporter } from "./ejabberd.js";
import { importDeploymentManifest, isManifest } from "./manifest.js";
import { mattermostImporter } from "./mattermost.js";
import { prosodyImporter } from "./prosody.js";
import { rocketchatImporter } from "./rocketchat.js";
import { synapseImporter } from "./synapse.js";
import type { ImportOptions, ImportResult, Importer, NativeFile } from "./types.js";

/** Every importer; detection tries them in this order (Prosody first: Lua is never YAML). */
export const IMPORTERS: Importer[] = [prosodyImporter, mattermostImporter, rocketchatImporter, synapseImporter, ejabberdImporter];

export function getImporter(platform: string): Importer | undefined {
  return IMPORTERS.find((i) => i.platform === platform);
}

/** The importer whose platform a file's content belongs to; undefined for anything else, never an exception. */
export function detectImporter(file: NativeFile): Importer | undefined {
  for (const importer of IMPORTERS) {
    try {
      if (importer.detect(file)) return importer;
    } catch {
      // A detector that trips over garbage has simply not recognised it.
    }
  }
  return undefined;
}

export { isManifest };

/**
 * Import a deployment manifest (apiVersion chataudit/v1, kind Deployment). `baseDir` is the folder that holds
 * it on disk: the config, users export and partial snapshot it names are read relative to it. The result
 * also lists every file it read, manifest first, as `sources`.
 */
export function importManifest(file: NativeFile, baseDir: string, options: ImportOptions): ImportResult & { sources: string[] } {
  return importDeploymentManifest(file, baseDir, options, { getImporter, detectImporter, platforms: IMPORTERS.map((i) => i.platform) });
}

export type { ImportOptions, ImportResult, Importer, NativeFile } from "./types.js";
