// Types for bench/generate.js, so that tests written in TypeScript can call the generator.

import type { Snapshot, User } from "../src/snapshot/types.js";

export const BENCH_AS_OF: string;
export const USER_MIX: Record<"admin" | "guest" | "deactivated" | "terminated" | "idle" | "neverActive" | "mfaOff" | "bot", number>;
export function prng(seed: number): () => number;
export function makeUser(seed: number, index: number): User;
export interface SnapshotOptions {
  name: string;
  seed: number;
  users: number;
  endpoints?: number;
  backupRuns?: number;
  withUsers?: boolean;
}
export function makeSnapshot(options: SnapshotOptions): Snapshot;
export function writeSnapshotFile(path: string, options: SnapshotOptions): number;
export function writeBig(dir: string, users: number, seed?: number): { path: string; bytes: number };
export function writeMany(dir: string, count?: number, users?: number, seed?: number): { dir: string; files: string[]; bytes: number };
