// `chataudit collect <platform>`: flags and environment -> CollectRequest -> collectSnapshot() -> snapshot file.

import { Command, Option } from "commander";
import { promises as fs } from "node:fs";
import { dirname } from "node:path";
import { COLLECTORS, collectSnapshot, getCollector, parseServerUrl, type CollectRequest, type CollectResult } from "../collectors/index.js";
import type { Collector, Credentials, ProgressListener } from "../collectors/types.js";
import { UsageError } from "../errors.js";
import { parseAsOf } from "../scan.js";
import { describeFsError, readSourceText } from "../source/text.js";
import { writeFileAtomic } from "./write.js";

export interface CollectFlags {
  url: string;
  output: string;
  user?: string;
  passwordEnv?: string;
  tokenEnv?: string;
  userIdEnv?: string;
  config?: string;
  caFile?: string;
  insecure?: boolean;
  timeout: string;
  concurrency: string;
  name?: string;
  asOf?: string;
  /** Refused: present only so that the refusal can say why. */
  password?: string;
  token?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 64;

export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description("read a live server's admin API (read-only) and write a snapshot")
    .argument("<platform>", `one of: ${COLLECTORS.map((c) => c.platform).join(", ")}`)
    .requiredOption("--url <url>", "the admin API: https://host:5443/api (ejabberd), or the server's base URL")
    .requiredOption("--output <file>", "where to write the snapshot (JSON)")
    .option("--user <jid>", "ejabberd: the admin account, e.g. admin@example.org")
    .option("--password-env <VAR>", "ejabberd: environment variable holding that account's password")
    .option("--token-env <VAR>", "mattermost, synapse, rocketchat: environment variable holding the access token")
    .option("--user-id-env <VAR>", "rocketchat: environment variable holding the user id that goes with the token")
    .option("--config <file>", "the platform's native config: endpoints, retention, settings (and ejabberd's admin acl)")
    .option("--ca-file <pem>", "trust this CA (or self-signed certificate) for the server's TLS")
    .option("--insecure", "do not verify the server's TLS certificate")
    .option("--timeout <ms>", "per-request timeout in milliseconds", String(DEFAULT_TIMEOUT_MS))
    .option("--concurrency <n>", "requests in flight at once", String(DEFAULT_CONCURRENCY))
    .option("--name <name>", "snapshot name (default: the vhost / server name / site host)")
    .option("--as-of <date-time>", "collectedAt to record (default: now)")
    .addOption(new Option("--password <value>").hideHelp())
    .addOption(new Option("--token <value>").hideHelp())
    .action(async (platform: string, flags: CollectFlags) => {
      const request = await toCollectRequest(platform, flags, process.env);
      const progress = process.stderr.isTTY ? ttyProgress(process.stderr) : undefined;
      let result: CollectResult;
      try {
        result = await collectSnapshot({ ...request, onProgress: progress?.listener });
      } finally {
        progress?.finish();
      }
      await writeSnapshot(flags.output, result);
      for (const warning of result.warnings) process.stderr.write(`chataudit: warning: ${warning}\n`);
      process.stdout.write(`${summary(flags.output, result)}\n`);
      process.exitCode = 0;
    });
}

/** Turn flags and the environment into a request; every argument problem is a UsageError before any network call. */
export async function toCollectRequest(platform: string, flags: CollectFlags, env: NodeJS.ProcessEnv): Promise<CollectRequest> {
  if (flags.password !== undefined) {
    throw new UsageError("--password is not accepted: command lines are visible to other users; put the password in an environment variable and pass its name with --password-env");
  }
  if (flags.token !== undefined) {
    throw new UsageError("--token is not accepted: command lines are visible to other users; put the token in an environment variable and pass its name with --token-env");
  }
  const collector = getCollector(platform);
  if (!collector) throw new UsageError(`cannot collect from "${platform}" (known: ${COLLECTORS.map((c) => c.platform).join(", ")})`);
  if (flags.caFile && flags.insecure) throw new UsageError("--ca-file and --insecure contradict each other; pass one");

  const url = parseServerUrl(flags.url);
  const { credentials, hint } = credentialsFrom(collector, flags, env);
  const request: CollectRequest = {
    platform,
    url: flags.url,
    credentials,
    credentialsHint: hint,
    name: flags.name,
    collectedAt: parseAsOf(flags.asOf),
    timeoutMs: positiveInteger("--timeout", flags.timeout, 10 * 60_000),
    concurrency: positiveInteger("--concurrency", flags.concurrency, MAX_CONCURRENCY),
    insecure: flags.insecure === true,
  };
  if (flags.caFile) request.ca = await readCa(flags.caFile);
  if (flags.config) {
    const source = await readSourceText(flags.config);
    request.config = { path: flags.config, text: source.text };
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    process.stderr.write(`chataudit: warning: --url uses plain http to ${url.hostname}: the credentials cross the network unencrypted\n`);
  }
  return request;
}

function credentialsFrom(collector: Collector, flags: CollectFlags, env: NodeJS.ProcessEnv): { credentials: Credentials; hint: string } {
  const p = collector.platform;
  const refuse = (flag: string, takes: string) => new UsageError(`${p} does not take ${flag}; it authenticates with ${takes}`);
  switch (collector.credentials) {
    case "basic": {
      if (flags.tokenEnv) throw refuse("--token-env", "--user and --password-env");
      if (flags.userIdEnv) throw refuse("--user-id-env", "--user and --password-env");
      if (!flags.user) throw new UsageError(`${p} needs --user <admin JID> and --password-env <VAR>`);
      if (!/^[^@\s]+@[^@\s]+$/.test(flags.user)) throw new UsageError(`--user must be a JID such as admin@example.org, got "${flags.user}"`);
      const password = secretFromEnv("--password-env", flags.passwordEnv, env, p);
      return { credentials: { kind: "basic", user: flags.user, password }, hint: `check --user ${flags.user} and the password in $${flags.passwordEnv}` };
    }
    case "bearer": {
      if (flags.user || flags.passwordEnv) throw refuse(flags.user ? "--user" : "--password-env", "--token-env");
      if (flags.userIdEnv) throw refuse("--user-id-env", "--token-env");
      const token = secretFromEnv("--token-env", flags.tokenEnv, env, p);
      return { credentials: { kind: "bearer", token }, hint: `check the token in $${flags.tokenEnv}` };
    }
    case "user-token": {
      if (flags.user || flags.passwordEnv) throw refuse(flags.user ? "--user" : "--password-env", "--user-id-env and --token-env");
      const userId = secretFromEnv("--user-id-env", flags.userIdEnv, env, p);
      const token = secretFromEnv("--token-env", flags.tokenEnv, env, p);
      return { credentials: { kind: "user-token", userId, token }, hint: `check the user id in $${flags.userIdEnv} and the token in $${flags.tokenEnv}` };
    }
  }
}

function secretFromEnv(flag: string, variable: string | undefined, env: NodeJS.ProcessEnv, platform: string): string {
  if (!variable) throw new UsageError(`${platform} needs ${flag} <VAR>: the name of the environment variable that holds it`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new UsageError(`${flag} takes the name of an environment variable (like CHAT_ADMIN_PASSWORD), not the value itself`);
  }
  const value = env[variable];
  if (value === undefined || value === "") throw new UsageError(`environment variable ${variable} (named by ${flag}) is not set or empty`);
  return value;
}

function positiveInteger(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${text}"`);
  }
  return n;
}

async function readCa(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await fs.readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`--ca-file ${path}: ${describeFsError(e)}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--ca-file ${path}: expected PEM certificates (-----BEGIN CERTIFICATE-----)`);
  return pem;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
}

async function writeSnapshot(path: string, result: CollectResult): Promise<void> {
  try {
    await fs.mkdir(dirname(path), { recursive: true });
  } catch (e) {
    throw new UsageError(`--output ${path}: ${describeFsError(e)}`);
  }
  await writeFileAtomic(path, `${JSON.stringify(result.snapshot, null, 2)}\n`);
}

function summary(path: string, { snapshot }: CollectResult): string {
  const users = snapshot.users ?? [];
  const adminRoles = new Set((snapshot.roles ?? []).filter((r) => r.admin).map((r) => r.name));
  const admins = users.filter((u) => u.roles?.some((r) => adminRoles.has(r))).length;
  const software = [snapshot.software?.product, snapshot.software?.version].filter(Boolean).join(" ");
  const people = `${users.length} user${users.length === 1 ? "" : "s"}${adminRoles.size ? ` (${admins} admin${admins === 1 ? "" : "s"})` : ""}`;
  return `Wrote ${path}: ${snapshot.metadata.name}, ${software || "version unknown"}, ${people}`;
}

/** "collecting users 120/5000" redrawn in place on a terminal, at most ten times a second. */
export function ttyProgress(stream: Pick<NodeJS.WriteStream, "write">): { listener: ProgressListener; finish: () => void } {
  let last = 0;
  let shown = false;
  return {
    listener: (phase, done, total) => {
      const now = Date.now();
      if (now - last < 100 && done !== total) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[2Kcollecting ${phase} ${done}${total === undefined ? "" : `/${total}`}`);
    },
    finish: () => {
      if (shown) stream.write("\r\x1b[2K");
    },
  };
}
