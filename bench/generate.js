// Deterministic snapshots for the benchmark: one huge tenant (users by the hundred thousand) and many
// small ones, from a seeded PRNG so that every run, on every machine, scans the same bytes.

import { mkdirSync, openSync, writeSync, closeSync, rmSync } from "node:fs";
import { join } from "node:path";

/** The evaluation clock the bench scans with; every date in a generated snapshot is relative to it. */
export const BENCH_AS_OF = "2026-06-01T00:00:00Z";
const AS_OF_MS = Date.parse(BENCH_AS_OF);
const DAY = 86_400_000;

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generator per (seed, index): user i is the same whether the tenant has 10,000 or 1,000,000 users. */
function itemRandom(seed, index) {
  return prng(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
}

function daysAgo(days) {
  return new Date(AS_OF_MS - Math.round(days * DAY)).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The share of each kind of account, close to what a large organisation's chat server holds.
 * Most accounts are compliant; the exceptions are what the access policies are for.
 */
export const USER_MIX = {
  admin: 0.004,
  guest: 0.05,
  deactivated: 0.07,
  terminated: 0.006,
  idle: 0.04,
  neverActive: 0.01,
  mfaOff: 0.12,
  bot: 0.002,
};

/** User number `index` of a tenant. */
export function makeUser(seed, index) {
  const r = itemRandom(seed, index);
  const id = `u-${String(index).padStart(6, "0")}`;
  const admin = r() < USER_MIX.admin;
  const guest = !admin && r() < USER_MIX.guest;
  const deactivated = r() < USER_MIX.deactivated;
  const terminated = r() < USER_MIX.terminated;
  const idle = r() < USER_MIX.idle;
  const neverActive = !idle && r() < USER_MIX.neverActive;
  const mfa = r() >= (admin ? USER_MIX.mfaOff / 4 : USER_MIX.mfaOff);
  const bot = !admin && !guest && r() < USER_MIX.bot;
  const roles = admin ? ["system_user", "system_admin"] : guest ? ["system_guest"] : ["system_user"];
  // A few guests were handed a channel-admin role: the "guest with elevated role" case.
  if (guest && r() < 0.02) roles.push("channel_admin");
  const lastActiveAt = neverActive ? null : daysAgo(idle ? 120 + r() * 400 : r() * 30);
  const user = {
    id,
    username: `user${index}`,
    roles,
    status: deactivated ? "deactivated" : "active",
    lastActiveAt,
    mfa,
    employment: terminated ? "terminated" : r() < 0.01 ? "unknown" : "active",
    guest,
  };
  if (bot) user.bot = true;
  return user;
}

const ENDPOINT_KINDS = ["client", "api", "admin", "federation", "smtp", "ldap", "database", "metrics", "webhook", "push", "search", "storage"];
const SCHEMES = { client: "https", api: "https", admin: "https", federation: "https", smtp: "smtp", ldap: "ldaps", database: "postgres", metrics: "http", webhook: "https", push: "https", search: "https", storage: "https" };

function makeEndpoint(seed, index) {
  const r = itemRandom(seed ^ 0x1e, index);
  const kind = ENDPOINT_KINDS[index % ENDPOINT_KINDS.length];
  const plain = r() < 0.06;
  const exposure = kind === "client" || kind === "federation" || kind === "push" || r() < 0.08 ? "public" : "internal";
  const scheme = plain ? (kind === "ldap" ? "ldap" : "http") : SCHEMES[kind];
  return {
    name: `${kind}-${index}`,
    url: `${scheme}://${kind}${index}.chat.example.com${kind === "metrics" ? ":9090/metrics" : ""}`,
    kind,
    exposure,
    tls: {
      enabled: !plain && scheme !== "http",
      minVersion: r() < 0.1 ? "TLSv1.1" : r() < 0.5 ? "TLSv1.2" : "TLSv1.3",
      certificateExpiresAt: daysAgo(-(r() < 0.05 ? -3 + r() * 20 : 30 + r() * 300)),
      verifyCertificates: r() >= 0.05,
    },
  };
}

function makeBackupRun(seed, index, count) {
  const r = itemRandom(seed ^ 0xb4, index);
  const offsite = index % 7 === 0;
  return {
    id: `backup-${String(index).padStart(4, "0")}`,
    completedAt: daysAgo((count - index) * 1 - 0.7 + r() * 0.2),
    status: r() < 0.04 ? "failed" : r() < 0.02 ? "partial" : "success",
    type: offsite ? "full" : "incremental",
    location: offsite ? { kind: "offsite", uri: "s3://backups-offsite.example.com/chat" } : { kind: "local", uri: "file:///var/backups/chat" },
    encrypted: r() >= 0.03,
  };
}

function makeVulnerability(seed, index) {
  const r = itemRandom(seed ^ 0x77, index);
  const severities = ["low", "medium", "high", "critical"];
  const v = {
    id: `CVE-2026-${String(1000 + index * 37).padStart(5, "0")}`,
    severity: severities[Math.floor(r() * 4)],
    publishedAt: daysAgo(5 + r() * 200),
    fixedIn: `10.${Math.floor(r() * 6)}.${Math.floor(r() * 4)}`,
  };
  if (r() < 0.7) v.fixedAt = daysAgo(r() * 5);
  return v;
}

function range(n, make) {
  const out = new Array(n);
  for (let i = 0; i < n; i += 1) out[i] = make(i);
  return out;
}

/**
 * A whole snapshot, users excluded when `withUsers` is false (the streaming writer adds them).
 * Key order is fixed so that the file bytes are stable.
 */
export function makeSnapshot({ name, seed, users, endpoints = 50, backupRuns = 60, withUsers = true }) {
  const r = prng(seed ^ 0xc0ffee);
  return {
    apiVersion: "chataudit/v1",
    kind: "Snapshot",
    metadata: { name, platform: "mattermost", collectedAt: daysAgo(0.04), environment: "production", source: "snapshot" },
    software: {
      product: "Mattermost Enterprise",
      version: r() < 0.5 ? "10.5.2" : "9.11.8",
      installedAt: daysAgo(20 + r() * 100),
      autoUpdate: r() < 0.5,
      securityAlerts: true,
      latestVersion: "10.8.1",
      supportEndsAt: daysAgo(-(60 + r() * 200)),
      components: [
        { name: "postgresql", version: "15.6", latestVersion: "15.8" },
        { name: "nginx", version: "1.26.1", latestVersion: "1.26.2" },
        { name: "plugin-calls", version: "1.3.0", latestVersion: "1.3.0" },
      ],
    },
    backups: {
      schedule: { intervalHours: 24 },
      runs: range(backupRuns, (i) => makeBackupRun(seed, i, backupRuns)),
      restoreTests: [
        { testedAt: daysAgo(40 + r() * 100), status: "success" },
        { testedAt: daysAgo(200 + r() * 100), status: "failed" },
      ],
    },
    ...(withUsers ? { users: range(users, (i) => makeUser(seed, i)) } : { users: [] }),
    roles: [
      { name: "system_admin", permissions: ["manage_system", "manage_users"], builtIn: true, admin: true },
      { name: "system_user", permissions: ["create_post", "join_channels"], builtIn: true, admin: false },
      { name: "system_guest", permissions: ["create_post"], builtIn: true, admin: false },
      { name: "channel_admin", permissions: ["manage_channel_members"], builtIn: true, admin: false },
      { name: "system_manager", permissions: ["manage_team", "read_audit_logs"], builtIn: true, admin: true },
    ],
    accessReviews: [{ completedAt: daysAgo(30 + r() * 150), reviewer: "security-team" }],
    endpoints: range(endpoints, (i) => makeEndpoint(seed, i)),
    retention: {
      messages: { enabled: true, maxAgeDays: r() < 0.5 ? 365 : 2555 },
      files: { enabled: r() < 0.7, maxAgeDays: 365 },
      auditLogs: { maxAgeDays: r() < 0.5 ? 400 : 90 },
    },
    encryption: { atRest: { database: true, files: r() < 0.6 } },
    monitoring: {
      metrics: { enabled: true },
      alerts: [
        { metric: "cpu", threshold: 85 },
        { metric: "memory", threshold: 90 },
        ...(r() < 0.5 ? [{ metric: "network", threshold: 80 }] : []),
        { metric: "disk", threshold: 85 },
      ],
    },
    audit: {
      logging: { enabled: true },
      lastSecurityAuditAt: daysAgo(100 + r() * 300),
      lastPenetrationTestAt: daysAgo(200 + r() * 300),
      incidentResponse: { planDocumented: true, lastExerciseAt: daysAgo(100 + r() * 400) },
      vulnerabilities: range(20, (i) => makeVulnerability(seed, i)),
    },
    training: { onboardingRequired: true, completionRate: Math.round((0.7 + r() * 0.3) * 100) / 100, lastSessionAt: daysAgo(r() * 200), supportChannel: "~it-help" },
    feedback: { channel: "~chat-feedback", lastSurveyAt: daysAgo(r() * 400) },
    settings: { ServiceSettings: { SiteURL: "https://chat.example.com", EnableMultifactorAuthentication: true } },
  };
}

const MARK = "\u0000USERS\u0000";

/**
 * Write a snapshot as `JSON.stringify(snapshot, null, 2)` would, without ever holding the whole text:
 * users are generated and written in batches, so a million-user file costs little memory to make.
 * Returns the file's size in bytes.
 */
export function writeSnapshotFile(path, options) {
  const skeleton = JSON.stringify({ ...makeSnapshot({ ...options, withUsers: false }), users: MARK }, null, 2);
  const marker = JSON.stringify(MARK);
  const cut = skeleton.indexOf(marker);
  const head = skeleton.slice(0, cut);
  const tail = skeleton.slice(cut + marker.length);
  const fd = openSync(path, "w");
  let bytes = 0;
  const write = (text) => {
    bytes += writeSync(fd, text);
  };
  try {
    if (options.users === 0) write(`${head}[]${tail}`);
    else {
      write(`${head}[`);
      const batch = 5000;
      for (let start = 0; start < options.users; start += batch) {
        let chunk = "";
        const end = Math.min(options.users, start + batch);
        for (let i = start; i < end; i += 1) {
          chunk += `${i === 0 ? "" : ","}\n    ${JSON.stringify(makeUser(options.seed, i), null, 2).replace(/\n/g, "\n    ")}`;
        }
        write(chunk);
      }
      write(`\n  ]${tail}`);
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** The "big" workload: one tenant with `users` users, 50 endpoints. */
export function writeBig(dir, users, seed = 20260601) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `big-${users}.json`);
  const bytes = writeSnapshotFile(path, { name: `enterprise-${users}`, seed, users, endpoints: 50, backupRuns: 60 });
  return { path, bytes };
}

/** The "many" workload: `count` small tenants of `users` users each, one file per tenant, in one folder. */
export function writeMany(dir, count = 2000, users = 20, seed = 20260602) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  const files = [];
  for (let t = 0; t < count; t += 1) {
    const name = `tenant-${String(t).padStart(4, "0")}`;
    const path = join(dir, `${name}.json`);
    bytes += writeSnapshotFile(path, { name, seed: seed + t, users, endpoints: 6, backupRuns: 14 });
    files.push(path);
  }
  return { dir, files, bytes };
}
