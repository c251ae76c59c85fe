// Collecting a snapshot from a live server: pick the platform's collector, read the API, fold in the imported
// config, validate. The CLI calls `collectSnapshot`; nothing here reads argv, the environment or writes files.

import { CollectError, UsageError } from "../errors.js";
import { getImporter } from "../importers/index.js";
import type { ImportResult, NativeFile } from "../importers/types.js";
import { schemaProblems, validatorFor } from "../schema.js";
import type { Snapshot, SourceLocation } from "../snapshot/types.js";
import { ejabberdCollector } from "./ejabberd.js";
import { ApiClient, type ApiClientOptions } from "./http.js";
import { mattermostCollector } from "./mattermost.js";
import { mergeConfig } from "./merge.js";
import { rocketchatCollector } from "./rocketchat.js";
import { synapseCollector } from "./synapse.js";
import type { Collector, Credentials, ProgressListener } from "./types.js";

export const COLLECTORS: readonly Collector[] = [ejabberdCollector, mattermostCollector, synapseCollector, rocketchatCollector];

export function getCollector(platform: string): Collector | undefined {
  return COLLECTORS.find((c) => c.platform === platform);
}

export interface CollectRequest {
  platform: string;
  /** --url as given. */
  url: string;
  credentials: Credentials;
  /** Said after a 401: which flags and variable carry the credentials. */
  credentialsHint?: string;
  /** --config, already read. */
  config?: NativeFile;
  name?: string;
  collectedAt: string;
  timeoutMs: number;
  concurrency: number;
  /** PEM text of --ca-file. */
  ca?: string;
  insecure?: boolean;
  onProgress?: ProgressListener;
  onRequest?: ApiClientOptions["onRequest"];
  /** Items per page where the API pages; default each platform's usual maximum. */
  pageSize?: number;
}

export interface CollectResult {
  snapshot: Snapshot;
  /** Where values taken from --config are written; empty without a config. */
  provenance: Map<string, SourceLocation>;
  warnings: string[];
}

const CREDENTIAL_FLAGS: Record<Credentials["kind"], string> = {
  basic: "--user and --password-env",
  bearer: "--token-env",
  "user-token": "--user-id-env and --token-env",
};

export async function collectSnapshot(request: CollectRequest): Promise<CollectResult> {
  const collector = getCollector(request.platform);
  if (!collector) {
    throw new UsageError(`cannot collect from "${request.platform}" (known: ${COLLECTORS.map((c) => c.platform).join(", ")})`);
  }
  if (request.credentials.kind !== collector.credentials) {
    throw new UsageError(`${collector.platform} authenticates with ${CREDENTIAL_FLAGS[collector.credentials]}`);
  }
  const base = collector.apiBase(parseServerUrl(request.url));
  if (request.config && !collector.acceptsConfig) {
    throw new UsageError(`${collector.platform} has no config file to pass with --config; its settings are read from the API`);
  }
  const config = request.config ? importConfig(collector.platform, request.config, request) : undefined;

  const client = new ApiClient({
    base,
    credentials: request.credentials,
    timeoutMs: request.timeoutMs,
    concurrency: request.concurrency,
    ca: request.ca,
    insecure: request.insecure,
    credentialsHint: request.credentialsHint,
    onRequest: request.onRequest,
  });
  let output;
  try {
    output = await collector.collect(
      { name: request.name, collectedAt: request.collectedAt, config, onProgress: request.onProgress, pageSize: request.pageSize },
      client,
    );
  } finally {
    client.close();
  }
  const { snapshot, provenance } = mergeConfig(output.snapshot, config);
  assertValid(snapshot);
  return { snapshot, provenance, warnings: output.warnings };
}

/** --url must be an absolute http(s) URL; credentials in it are refused (they would end up in shell history). */
export function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url must be an absolute URL such as https://chat.example.com:5443/api, got "${text}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`--url must use https:// (or http://), got ${url.protocol}//`);
  if (url.username || url.password) throw new UsageError("--url must not carry credentials; use the --*-env options");
  return url;
}

function importConfig(platform: string, file: NativeFile, request: CollectRequest): ImportResult {
  const importer = getImporter(platform);
  if (!importer) throw new UsageError(`no importer for ${platform} configs, so --config cannot be used`);
  return importer.import(file, { collectedAt: request.collectedAt, name: request.name });
}

function assertValid(snapshot: Snapshot): void {
  const validate = validatorFor("snapshot");
  if (validate(snapshot)) return;
  const problems = schemaProblems(validate.errors);
  // Server data the model cannot hold is a collector bug or an unexpected server; say which field.
  throw new CollectError(`the collected snapshot does not validate: ${problems.map((p) => p.message).join("; ")}`);
}
