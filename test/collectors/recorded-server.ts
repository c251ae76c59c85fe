// A throwaway HTTP(S) server on 127.0.0.1 that answers from recorded responses and remembers every request.

import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../../src/collectors/http.js";
import type { Collector, Credentials } from "../../src/collectors/types.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * A recorded response from fixtures/collectors/<platform>/<name>. Responses sit in an envelope
 * ({shape, endpoint, response}) so that a scan of fixtures/ never mistakes one for a platform export.
 */
export function fixture<T = unknown>(platform: string, name: string): T {
  const doc = JSON.parse(readFileSync(join(REPO_ROOT, "fixtures/collectors", platform, name), "utf8")) as { response?: unknown };
  return (doc.response ?? doc) as T;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  json?: unknown;
  /** Raw body instead of JSON. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export type Route = (request: SeenRequest) => Reply | Promise<Reply>;

export interface RecordedServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startServer(route: Route, tls?: { key: string; cert: string }): Promise<RecordedServer> {
  const requests: SeenRequest[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const seen: SeenRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(seen);
      let reply: Reply;
      try {
        reply = await route(seen);
      } catch (e) {
        reply = { status: 500, json: { error: String(e) } };
      }
      const send = () => {
        if (res.destroyed) return;
        const body = reply.text ?? JSON.stringify(reply.json ?? null);
        res.writeHead(reply.status ?? 200, { "content-type": reply.contentType ?? "application/json", ...reply.headers });
        res.end(body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
      else send();
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** The client a collector gets from the CLI, pointed at a test server: the collector's own base URL rules apply. */
export function clientFor(
  collector: Collector,
  url: string,
  credentials: Credentials,
  options: { timeoutMs?: number; concurrency?: number; hint?: string } = {},
): ApiClient {
  return new ApiClient({
    base: collector.apiBase(new URL(url)),
    credentials,
    timeoutMs: options.timeoutMs ?? 1000,
    concurrency: options.concurrency ?? 2,
    credentialsHint: options.hint,
  });
}
