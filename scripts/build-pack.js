// Build step after tsc: validates every bundled policy and writes dist/policies.json; an invalid policy fails the build.
import { precompileBundledPack } from "../dist/policy/load.js";
import { PRECOMPILED_PACK_FILE } from "../dist/policy/precompiled.js";

const errors = await precompileBundledPack();
if (errors.length) {
  for (const e of errors) process.stderr.write(`build-pack: error: ${e.format()}\n`);
  process.stderr.write(`build-pack: ${errors.length} problem(s) in the bundled policies; ${PRECOMPILED_PACK_FILE} not written\n`);
  process.exit(1);
}
