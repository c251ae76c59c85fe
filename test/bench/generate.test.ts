// The benchmark's generator: deterministic, valid snapshots, and the account mix it claims.

import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeSnapshot, makeUser, prng, USER_MIX, writeBig, writeMany, writeSnapshotFile } from "../../bench/generate.js";
import { schemaProblems, validatorFor } from "../../src/schema.js";

const dir = mkdtempSync(join(tmpdir(), "chataudit-bench-gen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("the bench generator", () => {
  it("draws the same numbers from the same seed, and different ones from another", () => {
    const a = prng(42);
    const b = prng(42);
    const c = prng(43);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect(c()).not.toBe(first[0]);
    for (const x of first) expect(x >= 0 && x < 1).toBe(true);
  });

  it("writes exactly what JSON.stringify would, without building the whole text", () => {
    const file = join(dir, "small.json");
    const bytes = writeSnapshotFile(file, { name: "t", seed: 7, users: 25, endpoints: 4, backupRuns: 3 });
    const text = readFileSync(file, "utf8");
    expect(text).toBe(JSON.stringify(makeSnapshot({ name: "t", seed: 7, users: 25, endpoints: 4, backupRuns: 3 }), null, 2));
    expect(bytes).toBe(Buffer.byteLength(text));
    const empty = join(dir, "empty.json");
    writeSnapshotFile(empty, { name: "e", seed: 7, users: 0 });
    expect(JSON.parse(readFileSync(empty, "utf8")).users).toEqual([]);
  });

  it("produces the same bytes on every run", () => {
    const one = writeBig(join(dir, "a"), 2000);
    const two = writeBig(join(dir, "b"), 2000);
    expect(sha(one.path)).toBe(sha(two.path));
    expect(one.bytes).toBe(two.bytes);
  });

  it("keeps user i the same whatever the tenant's size, so scaling runs compare like with like", () => {
    const small = makeSnapshot({ name: "s", seed: 9, users: 100 }).users!;
    const large = makeSnapshot({ name: "s", seed: 9, users: 1000 }).users!;
    expect(large.slice(0, 100)).toEqual(small);
    expect(makeUser(9, 57)).toEqual(small[57]);
  });

  it("generates snapshots the schema accepts", () => {
    const validate = validatorFor("snapshot");
    const snapshot = makeSnapshot({ name: "valid", seed: 3, users: 500 });
    const ok = validate(snapshot);
    expect(schemaProblems(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it("mixes admins, guests, deactivated, terminated, idle and MFA-less accounts in the stated shares", () => {
    const users = makeSnapshot({ name: "mix", seed: 20260601, users: 20000 }).users!;
    const share = (pred: (u: (typeof users)[number]) => boolean) => users.filter(pred).length / users.length;
    const near = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(expected * 0.35 + 0.001);
    near(share((u) => u.roles!.includes("system_admin")), USER_MIX.admin);
    near(share((u) => u.guest === true), USER_MIX.guest * (1 - USER_MIX.admin));
    near(share((u) => u.status === "deactivated"), USER_MIX.deactivated);
    near(share((u) => u.employment === "terminated"), USER_MIX.terminated);
    near(share((u) => u.lastActiveAt === null), USER_MIX.neverActive * (1 - USER_MIX.idle));
    near(share((u) => u.mfa === false), USER_MIX.mfaOff);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
  });

  it("writes the many-tenants folder with one uniquely named snapshot per file", () => {
    const many = writeMany(join(dir, "many"), 30, 20);
    const files = readdirSync(many.dir).sort();
    expect(files).toHaveLength(30);
    expect(files[0]).toBe("tenant-0000.json");
    const names = files.map((f) => JSON.parse(readFileSync(join(many.dir, f), "utf8")).metadata.name);
    expect(new Set(names).size).toBe(30);
    const first = JSON.parse(readFileSync(join(many.dir, files[0]!), "utf8"));
    expect(first.users).toHaveLength(20);
    expect(first.endpoints).toHaveLength(6);
  });
});
