// The floor a scan is measured against: a bare `node` that reads and JSON.parses the same files, nothing else.
// Usage: node bench/floor.js <file-or-folder>...

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

let values = 0;
for (const target of process.argv.slice(2)) {
  const files = statSync(target).isDirectory()
    ? readdirSync(target).filter((f) => f.endsWith(".json")).sort().map((f) => join(target, f))
    : [target];
  for (const file of files) {
    const value = JSON.parse(readFileSync(file, "utf8"));
    // Touch the result so that the parse cannot be skipped.
    if (value !== null && typeof value === "object") values += 1;
  }
}
if (values === 0) process.exitCode = 1;
