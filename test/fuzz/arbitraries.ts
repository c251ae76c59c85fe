// Generators the fuzzers share: hostile strings, documents in every shape (bytes, text, JSON, YAML, mutated real
// files), snapshots that follow the schema and ones that do not, JSON Logic rules; and the check every failure meets.

import fc from "fast-check";
import { expect } from "vitest";
import { stringify as toYaml } from "yaml";
import { ChatauditError, ChatauditErrors } from "../../src/errors.js";
import { OPERATIONS, STANDARD_OPERATIONS } from "../../src/policy/operations.js";

/** Same runs on every machine and every day; small enough that each fuzzer stays within a few seconds. */
export const FUZZ = { seed: 20261129, endOnFailure: true } as const;

/** Strings that have broken parsers, templates and reports before. */
export const nasty = fc.constantFrom(
  "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "length", "0", "-1", "1e309", "NaN",
  "", " ", "\u0000", "\u001b[31m", "\u202e", "\ufeff", "\ud800", "{{constructor}}", "{{#each this}}", "<script>", "]]>",
  "=cmd|' /C calc'!A0", "*alias", "&anchor", "!tag", "%YAML 1.2", "---", "...", "? ", "- ", ": ", "|", ">", "#", "\t",
  "\r\n", "2026-02-30", "2026-06-01T00:00:00Z", "1.2.3", "23.01", "TLSv1.3", "https://u:p@h/", "javascript:alert(1)",
  "null", "true", "~", "0x1F", "0o17", ".inf", "-.nan", "users", "snapshot", "params", "computed", "settings",
);

export const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 20 }), fc.string({ unit: "binary", maxLength: 20 }), nasty);

/** Any JSON value, with keys and strings from the nasty set as often as random ones. */
export const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), text,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(text, nasty), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** Text of a document in every shape a file might take: raw bytes decoded, random text, JSON, YAML, or `base` damaged. */
export function documentText(base?: string): fc.Arbitrary<string> {
  const shapes: fc.Arbitrary<string>[] = [
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
    fc.string({ unit: "binary", maxLength: 200 }),
    json.map((v) => JSON.stringify(v) ?? "null"),
    json.map((v) => toYaml(v)),
    fc.array(fc.oneof(text, nasty), { maxLength: 12 }).map((parts) => parts.join("\n")),
  ];
  if (base !== undefined) shapes.push(damaged(base), damaged(base), damaged(base));
  return fc.oneof(...shapes);
}

/** A real document with a few cuts, insertions and swaps: mostly well-formed, wrong in one place. */
export function damaged(base: string): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 30 }), fc.oneof(text, nasty));
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let out = base;
    for (const [at, cut, insert] of edits) {
      const i = Math.min(at, out.length);
      out = out.slice(0, i) + insert + out.slice(i + cut);
    }
    return out;
  });
}

// ---- snapshots ----

const date = fc.oneof(
  fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2040-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom("2026-05-31", "2026-06-01T00:00:00Z", "2026-06-01T00:00:00+02:00"),
);
const version = fc.oneof(fc.constantFrom("10.11.2", "23.01", "0.12.3-1+deb12u1", "v1.98.0", "9.11.2 (build 123)", "1"), fc.string({ maxLength: 8 }));
const some = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const list = <T>(a: fc.Arbitrary<T>, maxLength = 4) => fc.array(a, { maxLength });
const noUndefined = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** Snapshots that follow schemas/snapshot.schema.json (most of the time: odd strings may still be refused). */
export const schemaSnapshot = fc
  .record({
    metadata: fc.record({ name: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), nasty.filter((s) => s !== "")), platform: fc.constantFrom("generic", "mattermost", "synapse", "ejabberd", "rocketchat", "prosody", "other"), collectedAt: date }),
    software: some(fc.record({ product: some(text), version: some(version), latestVersion: some(version), supportEndsAt: some(date), autoUpdate: some(fc.boolean()), installedAt: some(date), components: some(list(fc.record({ name: fc.string({ maxLength: 6 }), version: some(version), latestVersion: some(version) }))) }, { requiredKeys: [] })),
    backups: some(fc.record({
      schedule: some(fc.record({ intervalHours: fc.integer({ min: 0, max: 1000 }) })),
      runs: some(list(fc.record({ id: some(fc.string({ maxLength: 6 })), completedAt: some(date), status: some(fc.constantFrom("success", "failed", "partial")), type: some(fc.constantFrom("full", "incremental")), location: some(fc.record({ kind: fc.constantFrom("local", "offsite", "cloud"), uri: some(text) }, { requiredKeys: ["kind"] })), encrypted: some(fc.boolean()) }, { requiredKeys: [] }))),
      restoreTests: some(list(fc.record({ testedAt: date, status: fc.constantFrom("success", "failed") }))),
    }, { requiredKeys: [] })),
    users: some(list(fc.record({ id: fc.oneof(fc.string({ maxLength: 6 }), nasty), username: some(text), roles: some(list(fc.oneof(fc.constantFrom("admin", "system_admin", "user", "guest"), text), 3)), status: some(fc.constantFrom("active", "deactivated")), lastActiveAt: some(date), mfa: some(fc.boolean()), employment: some(fc.constantFrom("active", "terminated", "unknown")), guest: some(fc.boolean()) }, { requiredKeys: ["id"] }), 6)),
    roles: some(list(fc.record({ name: fc.string({ maxLength: 6 }), permissions: some(list(fc.string({ maxLength: 6 }))), builtIn: some(fc.boolean()) }, { requiredKeys: ["name"] }))),
    accessReviews: some(list(fc.record({ completedAt: date, reviewer: some(text) }, { requiredKeys: ["completedAt"] }))),
    endpoints: some(list(fc.record({ name: fc.oneof(fc.string({ maxLength: 6 }), nasty), url: some(fc.oneof(fc.webUrl(), text)), kind: some(fc.constantFrom("client", "api", "admin", "federation", "smtp", "ldap", "database", "metrics", "webhook", "push", "xmpp")), exposure: some(fc.constantFrom("public", "internal")), tls: some(fc.record({ enabled: some(fc.boolean()), minVersion: some(fc.oneof(fc.constantFrom("1.0", "1.1", "1.2", "1.3", "TLSv1.2"), text)), certificateExpiresAt: some(date) }, { requiredKeys: [] })) }, { requiredKeys: ["name"] }))),
    retention: some(fc.record({ messages: some(fc.record({ enabled: some(fc.boolean()), maxAgeDays: some(fc.integer({ min: 0, max: 100000 })) }, { requiredKeys: [] })), files: some(fc.record({ enabled: some(fc.boolean()), maxAgeDays: some(fc.integer({ min: 0, max: 100000 })) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
    encryption: some(fc.record({ atRest: some(fc.record({ database: some(fc.boolean()), files: some(fc.boolean()) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
    monitoring: some(fc.record({ metrics: some(fc.record({ enabled: fc.boolean() })), alerts: some(list(fc.record({ metric: fc.constantFrom("cpu", "memory", "network", "disk", "latency"), threshold: some(fc.integer({ min: 0, max: 100 })) }, { requiredKeys: ["metric"] }))) }, { requiredKeys: [] })),
    audit: some(fc.record({ logging: some(fc.record({ enabled: fc.boolean() })), lastSecurityAuditAt: some(date), lastPenetrationTestAt: some(date), vulnerabilities: some(list(fc.record({ id: fc.string({ maxLength: 6 }), severity: some(fc.constantFrom("low", "medium", "high", "critical")), publishedAt: some(date), fixedIn: some(version) }, { requiredKeys: ["id"] }))) }, { requiredKeys: [] })),
    training: some(fc.record({ onboardingRequired: some(fc.boolean()), completionRate: some(fc.double({ min: 0, max: 1, noNaN: true })), lastSessionAt: some(date) }, { requiredKeys: [] })),
    feedback: some(fc.record({ channel: some(text), lastSurveyAt: some(date) }, { requiredKeys: [] })),
    settings: some(fc.dictionary(fc.oneof(text, nasty), json, { maxKeys: 4 })),
  }, { requiredKeys: ["metadata"] })
  .map((fields) => noUndefined({ apiVersion: "chataudit/v1", kind: "Snapshot", ...fields }));

/** Snapshots whose sections hold anything at all: what the engine meets if validation ever lets something through. */
export const lawlessSnapshot = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: 8 }),
    sections: fc.dictionary(fc.constantFrom("software", "backups", "users", "roles", "accessReviews", "endpoints", "retention", "encryption", "monitoring", "audit", "training", "feedback", "settings", "__proto__", "constructor"), json, { maxKeys: 8 }),
  })
  .map(({ name, sections }) => ({ apiVersion: "chataudit/v1", kind: "Snapshot", metadata: { name, platform: "generic", collectedAt: "2026-06-01T00:00:00Z" }, ...sections }));

// ---- JSON Logic ----

const OPS = [...STANDARD_OPERATIONS, ...Object.keys(OPERATIONS)];
const varPath = fc.oneof(fc.constantFrom("users", "users.0.roles", "endpoints", "metadata.name", "params.x", "snapshot.users", "computed.c", "settings", ""), nasty);

/** Rules over every operation, known or not, with arguments of any shape. */
export const rule = fc.letrec((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5 }), text),
    varPath.map((p) => ({ var: p })),
    fc.tuple(fc.oneof(fc.constantFrom(...OPS), nasty), fc.oneof(tie("rule"), fc.array(tie("rule"), { maxLength: 3 }))).map(([op, args]) => ({ [op]: args })),
    fc.array(tie("rule"), { maxLength: 3 }),
  ),
})).rule;

/** The outcome every refusal must have: a typed error that names a file, one line per problem, no stack. */
export function expectChatauditError(e: unknown, file: string): void {
  if (!(e instanceof ChatauditError)) throw new Error(`expected a ChatauditError, got ${(e as Error)?.stack ?? String(e)}`);
  const errors = e instanceof ChatauditErrors ? e.errors : [e];
  for (const err of errors) {
    expect(err.where?.file).toBe(file);
    expect(err.message).not.toMatch(/[\n\r\u001b]/);
    expect(err.message.length).toBeGreaterThan(0);
  }
}
