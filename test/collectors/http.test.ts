// The collectors' HTTP client: one clear CollectError line per failure, bounded concurrency, credentials never shown.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, optional, type ApiClientOptions } from "../../src/collectors/http.js";
import { CollectError } from "../../src/errors.js";
import { startServer, type RecordedServer, type Reply } from "./recorded-server.js";

const PASSWORD = "canary-pw-9c1d";

function client(base: string, extra: Partial<ApiClientOptions> = {}): ApiClient {
  return new ApiClient({
    base: new URL(base),
    credentials: { kind: "basic", user: "admin@example.org", password: PASSWORD },
    timeoutMs: 2000,
    concurrency: 4,
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<CollectError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CollectError);
  const message = (e as CollectError).message;
  expect(message).not.toContain("\n");
  expect(message).not.toContain(PASSWORD);
  expect(message).not.toContain(Buffer.from(`admin@example.org:${PASSWORD}`).toString("base64"));
  return e as CollectError;
}

describe("ApiClient", () => {
  let server: RecordedServer;
  let inFlight = 0;
  let maxInFlight = 0;
  let rateLimited = 0;

  beforeAll(async () => {
    server = await startServer(async (req): Promise<Reply> => {
      switch (req.path) {
        case "/api/ok":
          return { json: { ok: true, auth: req.headers.authorization?.slice(0, 6) } };
        case "/api/html":
          return { text: "<html><body>Login</body></html>", contentType: "text/html" };
        case "/api/slow":
          return { json: {}, delayMs: 1500 };
        case "/api/denied":
          // A server that (carelessly) echoes the Authorization header it got.
          return { status: 401, json: { status: "error", message: `bad credentials ${req.headers.authorization}` } };
        case "/api/forbidden":
          return { status: 403, json: { message: "no" } };
        case "/api/moved":
          return { status: 301, json: {}, headers: { location: "https://elsewhere.example.org/api?x=1" } };
        case "/api/limited":
          rateLimited += 1;
          return rateLimited < 3 ? { status: 429, json: {}, headers: { "retry-after": "0" } } : { json: { finally: true } };
        case "/api/item": {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 20));
          inFlight -= 1;
          return { json: Number(req.query.get("n")) * 10 };
        }
        default:
          return { status: 404, json: { status: "error", code: 40, message: "Endpoint not found." } };
      }
    });
  });
  afterAll(() => server.close());

  it("reads JSON and sends basic auth", async () => {
    const c = client(`${server.url}/api`);
    await expect(c.get("/ok")).resolves.toEqual({ ok: true, auth: "Basic " });
    c.close();
  });

  it("says the server refused the credentials on 401, with the hint, without echoing them", async () => {
    const e = await failure(client(`${server.url}/api`, { credentialsHint: "check --user and $EJ_PASS" }).get("/denied"));
    expect(e.message).toMatch(/\/api\/denied: the server refused the credentials \(HTTP 401: bad credentials Basic \[redacted\]\); check --user and \$EJ_PASS$/);
  });

  it("names the missing permission on 403, and optional() turns 403/404 into undefined", async () => {
    const c = client(`${server.url}/api`);
    const e = await failure(c.get("/forbidden", { permission: "the manage_system permission" }));
    expect(e.message).toMatch(/HTTP 403: no\); it needs the manage_system permission$/);
    await expect(optional(c.get("/forbidden"))).resolves.toBeUndefined();
    await expect(optional(c.get("/missing"))).resolves.toBeUndefined();
  });

  it("refuses an answer that is not JSON", async () => {
    const e = await failure(client(`${server.url}/api`).get("/html"));
    expect(e.message).toMatch(/\/api\/html did not answer JSON \(HTTP 200, text\/html\): is --url the API root/);
  });

  it("gives up after --timeout ms", async () => {
    const started = Date.now();
    const e = await failure(client(`${server.url}/api`, { timeoutMs: 200 }).get("/slow"));
    expect(e.message).toMatch(/\/api\/slow: no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it("does not follow redirects (credentials stay with the host given) and says where to go", async () => {
    const e = await failure(client(`${server.url}/api`).get("/moved"));
    expect(e.message).toMatch(/redirected \(HTTP 301\) to https:\/\/elsewhere\.example\.org\/api; pass the final URL as --url/);
  });

  it("retries rate-limited answers", async () => {
    await expect(client(`${server.url}/api`).get("/limited")).resolves.toEqual({ finally: true });
    expect(rateLimited).toBe(3);
  });

  it("keeps at most `concurrency` requests in flight and returns results in order", async () => {
    const c = client(`${server.url}/api`, { concurrency: 3 });
    const progress: number[] = [];
    const items = Array.from({ length: 20 }, (_, i) => i);
    const results = await c.map(items, (n) => c.get<number>("/item", { query: { n } }), (done) => progress.push(done));
    expect(results).toEqual(items.map((n) => n * 10));
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(20);
  });

  it("reports a refused connection", async () => {
    const closed = await startServer(() => ({ json: {} }));
    await closed.close();
    const e = await failure(client(`http://127.0.0.1:${closed.port}/api`).get("/ok"));
    expect(e.message).toBe(`http://127.0.0.1:${closed.port}/api/ok: connection refused: is the server running and listening on 127.0.0.1:${closed.port}?`);
  });

  it("reports a host that does not resolve", async () => {
    const e = await failure(client("https://no-such-host.invalid/api").get("/ok"));
    expect(e.message).toMatch(/^https:\/\/no-such-host\.invalid\/api\/ok: cannot resolve host "no-such-host\.invalid"$/);
  });

  it("reports HTTP 404 with a hint about --url", async () => {
    const e = await failure(client(`${server.url}/api`).get("/nothing-here"));
    expect(e.message).toMatch(/not found \(HTTP 404: Endpoint not found\.\); is --url the API root/);
  });
});

describe("ApiClient over TLS", () => {
  let dir: string;
  let cert: string;
  let server: RecordedServer | undefined;
  const haveOpenssl = (() => {
    try {
      execFileSync("openssl", ["version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  beforeAll(async () => {
    if (!haveOpenssl) return;
    dir = mkdtempSync(join(tmpdir(), "chataudit-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    server = await startServer(() => ({ json: { secure: true } }), { key: readFileSync(join(dir, "key.pem"), "utf8"), cert });
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!haveOpenssl)("refuses a self-signed certificate and says how to trust it", async () => {
    const e = await failure(client(`${server!.url}/api`).get("/ok"));
    expect(e.message).toMatch(/TLS error: the server's certificate is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\); pass --ca-file <pem> to trust its CA, or --insecure/);
  });

  it.skipIf(!haveOpenssl)("trusts it with --ca-file, or skips verification with --insecure", async () => {
    await expect(client(`${server!.url}/api`, { ca: cert }).get("/ok")).resolves.toEqual({ secure: true });
    await expect(client(`${server!.url}/api`, { insecure: true }).get("/ok")).resolves.toEqual({ secure: true });
  });

  it.skipIf(!haveOpenssl)("says when https meets a plain-http port", async () => {
    const plain = await startServer(() => ({ json: {} }));
    try {
      const e = await failure(client(`https://127.0.0.1:${plain.port}/api`).get("/ok"));
      expect(e.message).toMatch(/TLS handshake failed; is the port serving plain http rather than https\?|connection was reset/);
    } finally {
      await plain.close();
    }
  });
});
