// `npm run bench`: chataudit at scale against a floor measured in the same run, with the targets of issue 8.
//
//   big   one tenant, 100,000 users, 50 endpoints (~25 MB of JSON)   target: <= 2.0x floor, peak RSS <= 6x file
//   many  2,000 small tenants of 20 users each, one folder           target: <= 2.5x floor
//   scaling  10,000 -> 100,000 -> 1,000,000 users: the time each added user costs must stay flat (<= 1.5x)
//
// The floor is a bare `node` that reads and JSON.parses the same files, start to exit. Every run is a
// fresh process (bench/measure.js records its peak RSS); floors and scans alternate so that a busy
// machine slows both alike. Exits 1 when a target is missed, so CI can run it; it is not part of `npm test`.
//
// Options: --runs N (default 5), --no-million (skip the 1,000,000-user run), --only big,many,scaling

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_AS_OF, writeBig, writeMany } from "./generate.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..");
const OUT = join(HERE, "out");
const CLI = join(REPO, "bin", "chataudit.js");
const MEASURE = join(HERE, "measure.js");
const FLOOR = join(HERE, "floor.js");

export const TARGETS = { bigRatio: 2.0, manyRatio: 2.5, bigRssPerFileByte: 6, scalingSpread: 1.5 };

function parseArgs(argv) {
  const options = { runs: 5, million: true, only: new Set(["big", "many", "scaling"]) };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === "--runs") options.runs = Math.max(1, Number(argv[++i]));
    else if (a === "--no-million") options.million = false;
    else if (a === "--only") options.only = new Set(String(argv[++i]).split(","));
    else throw new Error(`unknown option ${a}`);
  }
  return options;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Generate a workload once; a stamp of the generator's source decides whether the files are current. */
function ensure(name, make) {
  const stampFile = join(OUT, `${name}.stamp`);
  const stamp = createHash("sha256").update(readFileSync(join(HERE, "generate.js"))).update(name).digest("hex");
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return JSON.parse(readFileSync(join(OUT, `${name}.json.meta`), "utf8"));
  process.stderr.write(`bench: generating ${name}...\n`);
  const meta = make();
  writeFileSync(join(OUT, `${name}.json.meta`), JSON.stringify(meta));
  writeFileSync(stampFile, stamp);
  return meta;
}

let measuredRuns = 0;

/** Run a script in a fresh node through bench/measure.js: wall time (spawn to exit), peak RSS, stderr. */
function measured(script, args, env = {}) {
  // One file per run: runs can overlap (two floors at once).
  const usageFile = join(OUT, `usage-${process.pid}-${(measuredRuns += 1)}.json`);
  rmSync(usageFile, { force: true });
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [MEASURE, usageFile, script, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) return reject(new Error(`${script} ${args.join(" ")} exited ${code}:\n${stderr}`));
      const usage = JSON.parse(readFileSync(usageFile, "utf8"));
      rmSync(usageFile, { force: true });
      resolvePromise({ wallMs, rssBytes: usage.maxRssBytes, exitMs: usage.exitMs, stderr });
    });
  });
}

function scanArgs(input, name, extra = []) {
  const output = join(OUT, `reports-${name}`);
  mkdirSync(output, { recursive: true });
  return ["scan", input, "--format", "json", "--output", output, "--fail-on", "none", "-q", "--as-of", BENCH_AS_OF, ...extra];
}

/** Stage boundaries printed by scan() under CHATAUDIT_TIMINGS=1, plus what follows them up to exit. */
export function stagesOf(stderr, exitMs) {
  const marks = {};
  for (const m of stderr.matchAll(/^chataudit: timing: (\S+) ([\d.]+) ([\d.]+)\b.*$/gm)) marks[m[1]] = { start: Number(m[2]), end: Number(m[3]) };
  const first = marks.policies;
  const last = marks.gate;
  if (!first || !last || !marks["load+evaluate"]) throw new Error(`no stage timings in the scan's stderr:\n${stderr}`);
  return {
    startup: first.start,
    policies: first.end - first.start,
    "load+evaluate": marks["load+evaluate"].end - marks["load+evaluate"].start,
    gate: last.end - last.start,
    report: exitMs - last.end,
    // What grows with the input: everything after the policies are ready.
    work: exitMs - first.end,
  };
}

/** Floors and scans alternately, `runs` times each, after one warm-up of each (page cache, lazy files). */
async function compare(name, input, runs, extra = []) {
  await measured(FLOOR, [input]);
  await measured(CLI, scanArgs(input, name, extra));
  const floors = [];
  const scans = [];
  for (let i = 0; i < runs; i += 1) {
    floors.push(await measured(FLOOR, [input]));
    scans.push(await measured(CLI, scanArgs(input, name, extra)));
    process.stderr.write(`bench: ${name} run ${i + 1}/${runs}: floor ${floors.at(-1).wallMs.toFixed(0)} ms, scan ${scans.at(-1).wallMs.toFixed(0)} ms\n`);
  }
  const timed = await measured(CLI, scanArgs(input, name, extra), { CHATAUDIT_TIMINGS: "1" });
  return {
    floorMs: median(floors.map((r) => r.wallMs)),
    scanMs: median(scans.map((r) => r.wallMs)),
    floorRss: median(floors.map((r) => r.rssBytes)),
    scanRss: median(scans.map((r) => r.rssBytes)),
    stages: stagesOf(timed.stderr, timed.exitMs),
  };
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (v) => `${v.toFixed(0)} ms`;

function stageLine(stages) {
  return ["startup", "policies", "load+evaluate", "gate", "report"].map((k) => `${k} ${ms(stages[k])}`).join(", ");
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(join(REPO, "dist", "cli", "main.js"))) throw new Error("dist/ is not built: run `npm run bench`, which builds first");

  const [load1] = loadavg();
  const cores = availableParallelism();
  console.log(`chataudit bench: node ${process.version}, ${cores} cores (${cpus()[0]?.model ?? "unknown cpu"}), load average ${load1.toFixed(2)}, ${options.runs} runs each`);
  if (load1 > cores) console.log(`WARNING: the machine is busy (load ${load1.toFixed(1)} on ${cores} cores); ratios hold better than absolute times`);

  const failures = [];
  const check = (ok, text) => {
    console.log(`  ${ok ? "ok  " : "MISS"} ${text}`);
    if (!ok) failures.push(text);
  };

  let big;
  if (options.only.has("big") || options.only.has("scaling")) big = ensure("big-100000", () => writeBig(OUT, 100_000));
  if (options.only.has("big")) {
    const r = await compare("big", big.path, options.runs);
    const ratio = r.scanMs / r.floorMs;
    console.log(`\nbig: 1 snapshot, 100,000 users, ${mb(big.bytes)}`);
    console.log(`  floor (node + JSON.parse) ${ms(r.floorMs)}, peak RSS ${mb(r.floorRss)}`);
    console.log(`  scan                      ${ms(r.scanMs)}, peak RSS ${mb(r.scanRss)}`);
    console.log(`  stages: ${stageLine(r.stages)}`);
    check(ratio <= TARGETS.bigRatio, `big scan ${ratio.toFixed(2)}x its floor (target <= ${TARGETS.bigRatio}x)`);
    const rssRatio = r.scanRss / big.bytes;
    check(rssRatio <= TARGETS.bigRssPerFileByte, `big peak RSS ${rssRatio.toFixed(2)}x the file size (target <= ${TARGETS.bigRssPerFileByte}x)`);
  }

  if (options.only.has("many")) {
    const many = ensure("many", () => {
      const m = writeMany(join(OUT, "many"), 2000, 20);
      return { path: m.dir, bytes: m.bytes, files: m.files.length };
    });
    const r = await compare("many", many.path, options.runs);
    const ratio = r.scanMs / r.floorMs;
    console.log(`\nmany: ${many.files} snapshots of 20 users, ${mb(many.bytes)} in one folder`);
    console.log(`  floor (node + JSON.parse of every file) ${ms(r.floorMs)}, peak RSS ${mb(r.floorRss)}`);
    console.log(`  scan                                    ${ms(r.scanMs)}, peak RSS ${mb(r.scanRss)}`);
    console.log(`  stages: ${stageLine(r.stages)}`);
    check(ratio <= TARGETS.manyRatio, `many scan ${ratio.toFixed(2)}x its floor (target <= ${TARGETS.manyRatio}x)`);
    // What a second thread can bring here: two floors at once against one, the same work on both cores.
    const single = [];
    const pairs = [];
    for (let i = 0; i < options.runs; i += 1) {
      single.push((await measured(FLOOR, [many.path])).wallMs);
      const start = process.hrtime.bigint();
      await Promise.all([measured(FLOOR, [many.path]), measured(FLOOR, [many.path])]);
      pairs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const speedup = (2 * median(single)) / median(pairs);
    console.log(`  two floors at once: ${ms(median(pairs))} against ${ms(median(single))} for one: a second core is worth ${speedup.toFixed(2)}x here`);
  }

  if (options.only.has("scaling")) {
    // The same tenant at every size (user i is the same user). Linear means time = fixed + N x per-user:
    // the marginal time per user between two sizes must not grow with the size. (The average per user
    // of a small tenant also carries the fixed part and the JIT's warm-up.)
    const sizes = [
      { users: 10_000, runs: options.runs, file: ensure("big-10000", () => writeBig(OUT, 10_000)) },
      { users: 100_000, runs: Math.min(options.runs, 3), file: big },
      ...(options.million ? [{ users: 1_000_000, runs: 1, file: ensure("big-1000000", () => writeBig(OUT, 1_000_000)) }] : []),
    ];
    console.log("\nscaling: time after the policies are ready (load, evaluate, gate, report)");
    const marginals = [];
    let previous;
    for (const size of sizes) {
      const works = [];
      let last;
      for (let i = 0; i < size.runs; i += 1) {
        last = await measured(CLI, scanArgs(size.file.path, `users-${size.users}`, ["--max-file-size", "2GB"]), { CHATAUDIT_TIMINGS: "1" });
        works.push(stagesOf(last.stderr, last.exitMs).work);
      }
      const work = median(works);
      const average = (work * 1e6) / size.users;
      let marginal = "";
      if (previous) {
        const ns = ((work - previous.work) * 1e6) / (size.users - previous.users);
        marginals.push(ns);
        marginal = `, ${ns.toFixed(0)} ns per added user`;
      }
      previous = { users: size.users, work };
      console.log(`  ${size.users.toLocaleString("en-US").padStart(9)} users  ${mb(size.file.bytes).padStart(9)}  work ${ms(work).padStart(8)}  ${average.toFixed(0).padStart(6)} ns/user${marginal}`);
      console.log(`      wall ${ms(last.wallMs)}, peak RSS ${mb(last.rssBytes)}; ${stageLine(stagesOf(last.stderr, last.exitMs))}`);
    }
    if (marginals.length >= 2) {
      const growth = marginals.at(-1) / marginals[0];
      check(growth <= TARGETS.scalingSpread, `time per added user ${growth.toFixed(2)}x from 10,000-100,000 to 100,000-1,000,000 users (target <= ${TARGETS.scalingSpread}x: linear)`);
    } else console.log("  (run without --no-million to check linearity up to 1,000,000 users)");
  }

  console.log(failures.length ? `\n${failures.length} target(s) missed` : "\nall targets met");
  process.exitCode = failures.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`bench: ${e.message}`);
    process.exitCode = 2;
  });
}
