// Loading and evaluating inputs one after another, or spread over worker threads when there are many:
// the outcomes are the same, in the same order, so reports are byte-identical either way.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import { compilePolicy, type CompiledPolicy } from "../policy/compile.js";
import type { ParamOverrides } from "../policy/params.js";
import { enrichWithCatalogue, type ReleaseCatalogue } from "../policy/catalogue.js";
import type { LoadedPolicy } from "../policy/types.js";
import { loadCandidate, type Candidate, type LoadOptions } from "../snapshot/load.js";
import { evaluateSnapshot } from "./evaluate.js";
import { packSnapshot, unpackSnapshot, type PackedSnapshot } from "./transfer.js";
import type { Finding, InputRecord, Result } from "./types.js";

/** Everything a thread needs to load and evaluate inputs on its own; plain data, so it can be sent. */
export interface InputWork {
  load: LoadOptions;
  /** Base for display paths. */
  root: string;
  /** Evaluation clock, epoch milliseconds. */
  asOf: number;
  /** The selected policies, in evaluation order, and the overrides they were compiled with. */
  policies: LoadedPolicy[];
  overrides: ParamOverrides;
  paramsFile?: string;
  /** Fills software.latestVersion / supportEndsAt where a snapshot lacks them. */
  catalogue?: ReleaseCatalogue;
}

/** What became of one input, evaluated where it was loaded; nothing in it is bound to a thread. */
export type InputOutcome =
  | { kind: "snapshot"; record: InputRecord; results: Result[]; findings: Finding[]; sources?: string[] }
  | { kind: "unrecognised" }
  | { kind: "warning"; warning: string }
  | { kind: "failure"; path: string; sha256?: string; error: { message: string; file?: string; line?: number; column?: number } };

/** Compile the work's policies (in a worker, which cannot receive the closures the main thread made). */
export function compileWork(work: InputWork): CompiledPolicy[] {
  return work.policies.map((p) => compilePolicy(p, work.overrides[p.policy.id], work.paramsFile));
}

/** Load one input and evaluate it; the snapshot is dropped as soon as its results exist. */
export async function processCandidate(candidate: Candidate, work: InputWork, compiled: readonly CompiledPolicy[]): Promise<InputOutcome> {
  const loaded = await loadCandidate(candidate, work.load, work.root);
  switch (loaded.kind) {
    case "unrecognised":
    case "warning":
      return loaded;
    case "failure": {
      const { path, sha256, error } = loaded.failure;
      return { kind: "failure", path, ...(sha256 ? { sha256 } : {}), error: { message: error.message, ...(error.where ?? {}) } };
    }
  }
  const snapshot = work.catalogue
    ? { ...loaded.snapshot, snapshot: enrichWithCatalogue(loaded.snapshot.snapshot, work.catalogue).snapshot }
    : loaded.snapshot;
  const meta = snapshot.snapshot.metadata;
  let evaluation: ReturnType<typeof evaluateSnapshot>;
  try {
    evaluation = evaluateSnapshot(compiled, snapshot, { asOf: work.asOf });
  } catch (e) {
    // One input that breaks the engine costs only itself: the others are still evaluated and reported.
    const message = `cannot evaluate: ${(e as Error)?.message ?? String(e)}`;
    return { kind: "failure", path: snapshot.path, ...(snapshot.sha256 ? { sha256: snapshot.sha256 } : {}), error: { message, file: snapshot.path } };
  }
  const { results, findings } = evaluation;
  const record: InputRecord = {
    path: snapshot.path, sha256: snapshot.sha256, platform: snapshot.platform,
    snapshot: meta.name, collectedAt: meta.collectedAt,
    ...(snapshot.source ? { source: snapshot.source } : {}), status: "ok",
  };
  return { kind: "snapshot", record, results, findings, ...(loaded.sources ? { sources: loaded.sources } : {}) };
}

/** A failure outcome back as the typed error the rest of the scan expects. */
export function outcomeError(outcome: Extract<InputOutcome, { kind: "failure" }>): InputError {
  const { message, file, line, column } = outcome.error;
  return new InputError(message, file ? { file, ...(line ? { line } : {}), ...(column ? { column } : {}) } : undefined);
}

/** Below this many inputs, starting a worker (its own module loading and policy compiling) costs more than it saves. */
export const PARALLEL_MIN_INPUTS = 64;
/**
 * Fewer cores than this, and workers cost more than they save. Measured on 2 cores with 2,000 small tenants: one
 * thread 2.2 s, two threads 2.7 s. V8 already keeps the second core busy with garbage collection and optimising
 * compilation, and a worker adds its own start (modules, policies, a cold JIT) and the trip of every outcome.
 */
export const PARALLEL_MIN_CORES = 3;
const MAX_THREADS = 8;

/**
 * How many threads to use for this many inputs: 1 (this thread only) for few inputs or few cores.
 * CHATAUDIT_THREADS overrides it (1 turns workers off), for measuring and for tests.
 */
export function threadsFor(inputs: number, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const forced = env.CHATAUDIT_THREADS;
  if (forced !== undefined && /^\d+$/.test(forced)) return Math.max(1, Math.min(MAX_THREADS, Number(forced), Math.max(1, inputs)));
  if (inputs < PARALLEL_MIN_INPUTS || cores < PARALLEL_MIN_CORES) return 1;
  return Math.min(MAX_THREADS, cores);
}

/** Messages between the main thread and a worker. */
export type ToWorker = { batch: number; candidates: Candidate[] };
export type FromWorker = { batch: number; outcomes: (InputOutcome | PackedSnapshot)[] } | { batch: number; error: string };

/** An outcome as a worker sends it: a snapshot's results and findings packed (see transfer.ts). */
export function toMainThread(outcome: InputOutcome, compiled: readonly CompiledPolicy[], indexOf: ReadonlyMap<string, number>): InputOutcome | PackedSnapshot {
  return (outcome.kind === "snapshot" && packSnapshot(outcome, compiled, indexOf)) || outcome;
}

/** An outcome received from a worker, as processCandidate returned it there. */
export function fromWorker(outcome: InputOutcome | PackedSnapshot, compiled: readonly CompiledPolicy[]): InputOutcome {
  if (outcome.kind !== "packed") return outcome;
  const { results, findings } = unpackSnapshot(outcome, compiled);
  return { kind: "snapshot", record: outcome.record, results, findings, ...(outcome.sources ? { sources: outcome.sources } : {}) };
}


export interface LoadAndEvaluateOptions {
  /** Threads in all, this one included (default: threadsFor(candidates)). */
  threads?: number;
  /** The worker script (default: worker.js beside this module). */
  workerUrl?: URL;
  /** Filled in for diagnostics (CHATAUDIT_TIMINGS): threads used and inputs the workers took. */
  stats?: { threads: number; byWorkers: number };
}

/** The worker entry beside this module; under a TypeScript test runner, the built one in dist/. */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith(".js")) return new URL("./worker.js", here);
  return new URL("../../dist/engine/worker.js", here);
}

/**
 * Load and evaluate every candidate, in this thread and in `threads - 1` workers that take batches
 * from one queue. Outcomes come back in candidate order whatever thread produced them. A worker that
 * dies hands its unfinished batches back to this thread: the scan never loses an input to a crash.
 */
export async function loadAndEvaluate(
  candidates: readonly Candidate[],
  work: InputWork,
  compiled: readonly CompiledPolicy[],
  options: LoadAndEvaluateOptions = {},
): Promise<InputOutcome[]> {
  const outcomes: (InputOutcome | undefined)[] = new Array(candidates.length);
  const threads = Math.min(options.threads ?? threadsFor(candidates.length), Math.max(1, candidates.length));
  const stats = options.stats ?? { threads, byWorkers: 0 };
  stats.threads = threads;
  if (threads <= 1) {
    for (let i = 0; i < candidates.length; i += 1) outcomes[i] = await processCandidate(candidates[i]!, work, compiled);
    return outcomes as InputOutcome[];
  }

  // The queue: batches of consecutive candidates, smaller towards the end so that threads finish together.
  let next = 0;
  const returned: [number, number][] = [];
  const take = (): [number, number] | undefined => {
    const back = returned.pop();
    if (back) return back;
    if (next >= candidates.length) return undefined;
    const remaining = candidates.length - next;
    const size = Math.max(1, Math.min(16, Math.ceil(remaining / (threads * 4))));
    const range: [number, number] = [next, next + Math.min(size, remaining)];
    next = range[1];
    return range;
  };

  const pool = Array.from({ length: threads - 1 }, () => startWorker(work, options.workerUrl ?? defaultWorkerUrl(), candidates, outcomes, take, returned, stats, compiled));
  // This thread works too, a batch at a time. Reading is synchronous, so without a turn of the event loop
  // between batches the workers' replies would wait, unread, until this thread had taken every input.
  for (let range = take(); range; range = take()) {
    for (let i = range[0]; i < range[1]; i += 1) outcomes[i] = await processCandidate(candidates[i]!, work, compiled);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(pool.map((w) => w.done));
  // Batches a dying worker handed back after this thread's loop had ended.
  for (let range = returned.pop(); range; range = returned.pop()) {
    for (let i = range[0]; i < range[1]; i += 1) outcomes[i] = await processCandidate(candidates[i]!, work, compiled);
  }
  return outcomes as InputOutcome[];
}

interface PooledWorker {
  done: Promise<void>;
}

/** Batches kept in flight per worker: one being worked on, one waiting, so it never idles on a round trip. */
const IN_FLIGHT = 2;

function startWorker(
  work: InputWork,
  url: URL,
  candidates: readonly Candidate[],
  outcomes: (InputOutcome | undefined)[],
  take: () => [number, number] | undefined,
  returned: [number, number][],
  stats: { byWorkers: number },
  compiled: readonly CompiledPolicy[],
): PooledWorker {
  const worker = new Worker(url, { workerData: { work } });
  const pending = new Map<number, [number, number]>();
  let batches = 0;
  let finished = false;
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      if (finished) return;
      finished = true;
      // Whatever it did not finish goes back to the queue, for this thread to do.
      for (const range of pending.values()) returned.push(range);
      pending.clear();
      void worker.terminate();
      resolve();
    };
    const feed = () => {
      while (pending.size < IN_FLIGHT) {
        const range = take();
        if (!range) break;
        const batch = batches++;
        pending.set(batch, range);
        worker.postMessage({ batch, candidates: candidates.slice(range[0], range[1]) } satisfies ToWorker);
      }
      if (pending.size === 0) finish();
    };
    worker.on("message", (message: FromWorker) => {
      const range = pending.get(message.batch);
      if (!range) return;
      if ("error" in message) {
        finish();
        return;
      }
      pending.delete(message.batch);
      message.outcomes.forEach((o, k) => (outcomes[range[0] + k] = fromWorker(o, compiled)));
      stats.byWorkers += message.outcomes.length;
      feed();
    });
    worker.on("error", finish);
    worker.on("exit", finish);
    feed();
  });
  return { done };
}
