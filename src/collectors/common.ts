// What every collector shares: paging loops that cannot run away, epoch conversions, the snapshot skeleton.

import { CollectError } from "../errors.js";
import type { Snapshot } from "../snapshot/types.js";
import type { CollectPlatform } from "./types.js";

export interface Page<T, C> {
  items: T[];
  /** The cursor of the next page; undefined when this was the last one. */
  next?: C;
  /** Total number of items, when the server says. */
  total?: number;
}

/**
 * Fetch pages from `first` until a page says there is no next one. A server that repeats a cursor or
 * hands out empty pages forever is stopped rather than followed.
 */
export async function collectPages<T, C>(
  what: string,
  first: C,
  fetchPage: (cursor: C) => Promise<Page<T, C>>,
  onProgress?: (done: number, total?: number) => void,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: C | undefined = first;
  while (cursor !== undefined) {
    const key = JSON.stringify(cursor);
    if (seen.has(key)) throw new CollectError(`${what}: the server returned the same page cursor twice (${key}); paging stopped`);
    seen.add(key);
    const page: Page<T, C> = await fetchPage(cursor);
    items.push(...page.items);
    onProgress?.(items.length, page.total);
    cursor = page.items.length === 0 ? undefined : page.next;
  }
  return items;
}

/** Milliseconds since the epoch (0, null and absent mean "never") -> ISO date-time or null. */
export function epochMsToIso(ms: unknown): string | null {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) return null;
  return new Date(ms).toISOString();
}

/** An ISO-ish date string the server gave -> normalized ISO date-time, or null when it is not a date. */
export function isoOrNull(text: unknown): string | null {
  if (typeof text !== "string" || text === "") return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** 0/1 (older Synapse), true/false, "true"/"false" -> boolean. */
export function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === "true" || value === "1";
}

export function baseSnapshot(platform: CollectPlatform, name: string, collectedAt: string): Snapshot {
  return {
    apiVersion: "chataudit/v1",
    kind: "Snapshot",
    metadata: { name, platform, collectedAt, source: `collect:${platform}` },
  };
}

/** `url` minus a trailing API path the user may or may not have typed ("/api/v4", "/_synapse/admin"...). */
export function stripApiPath(url: URL, pattern: RegExp): URL {
  const base = new URL(url.href);
  base.search = "";
  base.hash = "";
  base.pathname = base.pathname.replace(pattern, "").replace(/\/+$/, "") || "/";
  return base;
}

/** Host name of a URL the server reported (a site URL), or undefined when it is empty or not a URL. */
export function hostOf(url: unknown): string | undefined {
  if (typeof url !== "string" || !url) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}
