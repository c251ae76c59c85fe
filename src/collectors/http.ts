// The one HTTP client every collector uses: JSON over node's http/https, per-request timeouts, a custom CA or
// --insecure, bounded concurrency, and failures turned into one CollectError line that never carries a credential.

import http from "node:http";
import https from "node:https";
import { CollectError } from "../errors.js";
import { TOOL_VERSION } from "../version.js";
import type { Credentials } from "./types.js";

export interface ApiClientOptions {
  /** Every request path is appended to this URL's path. */
  base: URL;
  credentials: Credentials;
  /** Per request, from sending to the last byte of the answer. */
  timeoutMs: number;
  /** How many requests `map` keeps in flight at once. */
  concurrency: number;
  /** PEM text of the CA(s) to trust instead of the system store (--ca-file). */
  ca?: string;
  /** Skip certificate verification (--insecure). */
  insecure?: boolean;
  /** Said after a 401, e.g. "check --user and the password in $EJABBERD_PASSWORD". */
  credentialsHint?: string;
  /** Told of every request before it is sent: lets tests and audits see exactly what was called. */
  onRequest?: (request: { method: "GET" | "POST"; path: string }) => void;
  /** Largest answer accepted, in bytes. */
  maxResponseBytes?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** What the account needs when the server answers 403, e.g. "the manage_system permission". */
  permission?: string;
}

interface RawResponse {
  status: number;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Rate-limited answers (429) are retried this many times, waiting what Retry-After asks, capped. */
const RATE_LIMIT_RETRIES = 3;
const RATE_LIMIT_MAX_WAIT_MS = 10_000;

const TLS_ERROR_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain ends in an untrusted self-signed CA",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not signed by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT: "the server's certificate is not signed by a trusted CA",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name this host",
};

export class ApiClient {
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];

  constructor(private readonly options: ApiClientOptions) {
    const isHttps = options.base.protocol === "https:";
    this.agent = isHttps
      ? new https.Agent({ keepAlive: true, maxSockets: options.concurrency, ca: options.ca, rejectUnauthorized: !options.insecure })
      : new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
    const { headers, secrets } = authHeaders(options.credentials);
    this.headers = { ...headers, accept: "application/json", "user-agent": `chataudit/${TOOL_VERSION}` };
    this.secrets = secrets;
  }

  /** The server's host name, a fallback snapshot name. */
  get baseHost(): string {
    return this.options.base.hostname;
  }

  /** The URL request paths are appended to. */
  get baseUrl(): string {
    return this.options.base.href;
  }

  /** GET a JSON document. */
  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.json<T>("GET", path, undefined, options);
  }

  /** POST a JSON body and read a JSON answer (ejabberd's mod_http_api takes every command this way). */
  post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.json<T>("POST", path, body, options);
  }

  /**
   * Run `task` over `items` with at most `concurrency` in flight, results in input order. The first failure
   * stops handing out new items and is thrown once the running ones settle.
   */
  async map<T, R>(items: readonly T[], task: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    let done = 0;
    let failure: { error: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (!failure && next < items.length) {
        const index = next++;
        try {
          results[index] = await task(items[index]!, index);
          done += 1;
          onDone?.(done);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.options.concurrency, items.length)) }, worker));
    if (failure) throw failure.error;
    return results;
  }

  /** Close idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** `text` with every credential replaced: applied to anything the server said before it reaches a message. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (secret) out = out.split(secret).join("[redacted]");
    return out;
  }

  private async json<T>(method: "GET" | "POST", path: string, body: unknown, options: RequestOptions): Promise<T> {
    const url = this.urlFor(path, options.query);
    const shown = displayUrl(url);
    this.options.onRequest?.({ method, path });
    let response: RawResponse | undefined;
    for (let attempt = 0; ; attempt += 1) {
      response = await this.send(method, url, body === undefined ? undefined : JSON.stringify(body));
      if (response.status !== 429 || attempt >= RATE_LIMIT_RETRIES) break;
      await sleep(retryAfterMs(response.headers));
    }
    if (response.status < 200 || response.status >= 300) throw this.statusError(shown, response, options);
    const text = response.text.trim();
    const looksJson = /json/i.test(response.contentType) || /^[[{"]/.test(text);
    if (looksJson) {
      try {
        return JSON.parse(text) as T;
      } catch {
        // fall through to the non-JSON error
      }
    }
    const kind = response.contentType ? response.contentType.split(";")[0] : "no content type";
    throw new CollectError(`${shown} did not answer JSON (HTTP ${response.status}, ${kind}): is --url the API root of the server?`);
  }

  private urlFor(path: string, query: RequestOptions["query"]): URL {
    const url = new URL(this.options.base.href.replace(/\/+$/, "") + path);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  private send(method: "GET" | "POST", url: URL, body: string | undefined): Promise<RawResponse> {
    const transport = url.protocol === "https:" ? https : http;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const max = this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const headers: Record<string, string> = { ...this.headers };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    return new Promise<RawResponse>((resolve, reject) => {
      const fail = (e: unknown) => reject(this.networkError(e, url, signal.aborted));
      const request = transport.request(url, { method, headers, agent: this.agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > max) {
            request.destroy(new CollectError(`${displayUrl(url)} answered more than ${Math.round(max / 1048576)} MB; refusing to read on`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", fail);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      });
      request.on("error", fail);
      request.end(body);
    });
  }

  private networkError(e: unknown, url: URL, timedOut: boolean): CollectError {
    if (e instanceof CollectError) return e;
    const err = e as NodeJS.ErrnoException;
    const where = displayUrl(url);
    if (timedOut || err?.name === "AbortError" || err?.name === "TimeoutError") {
      return new CollectError(`${where}: no answer within ${this.options.timeoutMs} ms (raise --timeout if the server is just slow)`);
    }
    const code = err?.code ?? "";
    const tls = TLS_ERROR_CODES[code];
    if (tls) {
      return new CollectError(`${where}: TLS error: ${tls} (${code}); pass --ca-file <pem> to trust its CA, or --insecure to skip verification`);
    }
    switch (code) {
      case "ECONNREFUSED":
        return new CollectError(`${where}: connection refused: is the server running and listening on ${url.host}?`);
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return new CollectError(`${where}: cannot resolve host "${url.hostname}"`);
      case "ECONNRESET":
      case "EPIPE":
        return new CollectError(`${where}: the connection was reset; is it the right port and scheme (http vs https)?`);
      case "EPROTO":
      case "ERR_SSL_WRONG_VERSION_NUMBER":
        return new CollectError(`${where}: TLS handshake failed; is the port serving plain http rather than https?`);
      case "EHOSTUNREACH":
      case "ENETUNREACH":
        return new CollectError(`${where}: host unreachable`);
      default:
        return new CollectError(`${where}: ${this.redact(oneLine(err?.message ?? String(e)))}${code ? ` (${code})` : ""}`);
    }
  }

  private statusError(where: string, response: RawResponse, options: RequestOptions): HttpStatusError {
    const said = serverMessage(response.text);
    const detail = said ? `: ${this.redact(said)}` : "";
    const { status } = response;
    let message: string;
    if (status === 401) {
      message = `${where}: the server refused the credentials (HTTP 401${detail})${this.options.credentialsHint ? `; ${this.options.credentialsHint}` : ""}`;
    } else if (status === 403) {
      message = `${where}: the account is not allowed to read this (HTTP 403${detail})${options.permission ? `; it needs ${options.permission}` : ""}`;
    } else if (status === 404) {
      message = `${where}: not found (HTTP 404${detail}); is --url the API root of the server?`;
    } else if (status >= 300 && status < 400) {
      const location = response.headers.location ? ` to ${String(response.headers.location).split("?")[0]}` : "";
      message = `${where}: redirected (HTTP ${status})${location}; pass the final URL as --url`;
    } else if (status === 429) {
      message = `${where}: rate limited (HTTP 429) after ${RATE_LIMIT_RETRIES} retries; lower --concurrency or exempt the audit account`;
    } else {
      message = `${where}: HTTP ${status}${detail}`;
    }
    return new HttpStatusError(message, status);
  }
}

/** `request`'s result, or undefined when the server says 403 or 404: for data that is nice to have (warn, go on). */
export async function optional<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (e) {
    if (e instanceof HttpStatusError && (e.status === 403 || e.status === 404)) return undefined;
    throw e;
  }
}

/** A non-2xx answer; the status lets callers treat an optional endpoint's 403/404 as "not available". */
export class HttpStatusError extends CollectError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function authHeaders(credentials: Credentials): { headers: Record<string, string>; secrets: string[] } {
  switch (credentials.kind) {
    case "basic": {
      const encoded = Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64");
      return { headers: { authorization: `Basic ${encoded}` }, secrets: [credentials.password, encoded] };
    }
    case "bearer":
      return { headers: { authorization: `Bearer ${credentials.token}` }, secrets: [credentials.token] };
    case "user-token":
      return { headers: { "x-user-id": credentials.userId, "x-auth-token": credentials.token }, secrets: [credentials.token] };
  }
}

/** The URL as shown in messages: no query string (it can carry paging tokens), no userinfo. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The human part of an error body: {"message"}, {"error"}, {"errcode","error"}, a JSON string, or short text. */
function serverMessage(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return "";
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    if (typeof parsed === "string") return oneLine(parsed);
    if (parsed && typeof parsed === "object") {
      const o = parsed as Record<string, unknown>;
      const said = [o.message, o.error, o.errcode, o.status].find((v) => typeof v === "string" && v.length > 0);
      if (typeof said === "string") return oneLine(said);
    }
    return "";
  } catch {
    return /^\s*</.test(trimmed) ? "" : oneLine(trimmed);
  }
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function retryAfterMs(headers: http.IncomingHttpHeaders): number {
  const seconds = Number(headers["retry-after"]);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
  return Math.min(ms, RATE_LIMIT_MAX_WAIT_MS);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
