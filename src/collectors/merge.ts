// Folding an imported native config into what the API said: each fact comes from the source that knows it.

import type { ImportResult } from "../importers/types.js";
import type { Role, Snapshot, SourceLocation } from "../snapshot/types.js";

export interface Merged {
  snapshot: Snapshot;
  /** The config's provenance, minus the paths the API now answers for. */
  provenance: Map<string, SourceLocation>;
}

/**
 * The live server answers for metadata, the software version, users and the roles it lists; the config for
 * endpoints, retention, encryption, monitoring, audit and settings. Roles are merged by name (API wins), and
 * settings keep the config's keys beside what the collector adds (`settings.collected`).
 */
export function mergeConfig(collected: Snapshot, config: ImportResult | undefined): Merged {
  if (!config) return { snapshot: collected, provenance: new Map() };
  const fromConfig = config.snapshot;
  const environment = collected.metadata.environment ?? fromConfig.metadata.environment;
  const snapshot: Snapshot = {
    ...fromConfig,
    apiVersion: "chataudit/v1",
    kind: "Snapshot",
    metadata: { ...collected.metadata, ...(environment ? { environment } : {}) },
  };
  const fromApi = new Set<string>(["metadata"]);
  if (collected.software || fromConfig.software) {
    snapshot.software = { ...fromConfig.software, ...collected.software };
    for (const key of Object.keys(collected.software ?? {})) fromApi.add(`software.${key}`);
  }
  if (collected.users) {
    snapshot.users = collected.users;
    fromApi.add("users");
  }
  if (collected.roles) {
    snapshot.roles = mergeRoles(fromConfig.roles ?? [], collected.roles);
    fromApi.add("roles");
  }
  if (collected.settings) {
    snapshot.settings = { ...fromConfig.settings, ...collected.settings };
    for (const key of Object.keys(collected.settings)) fromApi.add(`settings.${key}`);
  }
  const provenance = new Map<string, SourceLocation>();
  for (const [path, location] of config.provenance) {
    const overridden = [...fromApi].some((p) => path === p || path.startsWith(`${p}.`));
    if (!overridden) provenance.set(path, location);
  }
  return { snapshot, provenance };
}

function mergeRoles(fromConfig: readonly Role[], fromApi: readonly Role[]): Role[] {
  const byName = new Map<string, Role>();
  for (const role of fromConfig) byName.set(role.name, role);
  for (const role of fromApi) byName.set(role.name, { ...byName.get(role.name), ...role });
  return [...byName.values()];
}
