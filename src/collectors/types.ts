// The contract every live-server collector fulfils: a read-only admin API in, a normalized snapshot out.

import type { ImportResult } from "../importers/types.js";
import type { Snapshot } from "../snapshot/types.js";
import type { ApiClient } from "./http.js";

export type CollectPlatform = "ejabberd" | "mattermost" | "synapse" | "rocketchat";

/** How a platform's admin API authenticates; the values come from environment variables, never argv. */
export type Credentials =
  | { kind: "basic"; user: string; password: string }
  | { kind: "bearer"; token: string }
  | { kind: "user-token"; userId: string; token: string };

/** Reports progress of a long phase ("users", 120, 5000); total is undefined while unknown. */
export type ProgressListener = (phase: string, done: number, total?: number) => void;

export interface CollectContext {
  /** Snapshot name given by --name; collectors derive one (vhost, server name, site host) otherwise. */
  name?: string;
  /** metadata.collectedAt: the collection time, or --as-of in tests. */
  collectedAt: string;
  /** The platform's native config, already imported, when --config was given. */
  config?: ImportResult;
  onProgress?: ProgressListener;
  /** Items asked per page where the API pages (default: each platform's usual maximum). */
  pageSize?: number;
}

export interface CollectorOutput {
  /** What the API said; the caller merges the imported config (endpoints, retention, settings) over it. */
  snapshot: Snapshot;
  /** Things the auditor should know (an optional endpoint refused, a field the server does not report). */
  warnings: string[];
}

export interface Collector {
  platform: CollectPlatform;
  /** The credential kind the platform's admin API takes. */
  credentials: Credentials["kind"];
  /** Whether --config <file> is accepted (Rocket.Chat keeps its settings in the database and has none). */
  acceptsConfig: boolean;
  /** The base URL requests are made against, from what the user passed as --url. */
  apiBase(url: URL): URL;
  /** Read the server through `client`; never calls anything that writes. */
  collect(context: CollectContext, client: ApiClient): Promise<CollectorOutput>;
}
