// Runs a Node script in this process and, at exit, records its resource usage (peak RSS) and the
// time of exit to a file. Portable replacement for /usr/bin/time -v, which is not everywhere.
// Usage: node bench/measure.js <usage.json> <script.js> [args...]

import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [usageFile, script, ...args] = process.argv.slice(2);
if (!usageFile || !script) {
  process.stderr.write("usage: node bench/measure.js <usage.json> <script.js> [args...]\n");
  process.exit(2);
}
process.on("exit", (code) => {
  const usage = process.resourceUsage();
  // maxRSS is in kilobytes; exitMs is milliseconds since this process started (performance.timeOrigin).
  writeFileSync(usageFile, JSON.stringify({ code, maxRssBytes: usage.maxRSS * 1024, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000, exitMs: performance.now() }));
});
process.argv = [process.argv[0], resolve(script), ...args];
await import(pathToFileURL(resolve(script)).href);
