// Build step after tsc: the schemas as standalone validators and the release catalogue as checked JSON, into dist/.
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { PRECOMPILED_CATALOGUE_FILE, precompileBundledCatalogue } from "../dist/policy/catalogue.js";
import { SCHEMA_NAMES, STANDALONE_VALIDATORS_FILE, standaloneValidatorsModule } from "../dist/schema.js";

function fail(message) {
  process.stderr.write(`build-prebuilt: error: ${message}\n`);
  process.exit(1);
}

await writeFile(STANDALONE_VALIDATORS_FILE, standaloneValidatorsModule(), "utf8");
// The scanner falls back to compiling quietly when this module cannot load, so a broken one must fail the build instead.
const generated = await import(`${pathToFileURL(STANDALONE_VALIDATORS_FILE).href}?built=${Date.now()}`).catch((e) => fail(`${STANDALONE_VALIDATORS_FILE} does not load: ${e.message}`));
for (const name of SCHEMA_NAMES) {
  if (typeof generated[name] !== "function" || typeof generated.schemaHashes?.[name] !== "string") fail(`${STANDALONE_VALIDATORS_FILE} lacks the ${name} validator`);
}

try {
  await precompileBundledCatalogue();
} catch (e) {
  fail(`${typeof e?.format === "function" ? e.format() : e?.message ?? e}; ${PRECOMPILED_CATALOGUE_FILE} not written`);
}
