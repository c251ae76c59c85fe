// Build step after tsc: the schemas as standalone validators and the release catalogue as checked JSON, into dist/.
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { PRECOMPILED_CATALOGUE_FILE, precompileBundledCatalogue } from "../dist/policy/catalogue.js";
import { SCHEMA_NAMES, STANDALONE_VALIDATORS_FILE, standaloneValidatorsModule } from "../dist/schema.js";
import { PRECOMPILED_MESSAGES_FILE, precompiledMessagesModule } from "../dist/policy/compile.js";
import { loadPolicies } from "../dist/policy/load.js";

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

// The bundled messages as Handlebars template specifications: a scan then loads Handlebars' runtime, not its compiler.
const { policies, errors } = await loadPolicies({ precompiled: false });
if (errors.length) fail(`bundled policies do not load: ${errors[0].format()}`);
await writeFile(PRECOMPILED_MESSAGES_FILE, precompiledMessagesModule(policies.map((p) => p.policy.message)), "utf8");
const compiledMessages = await import(`${pathToFileURL(PRECOMPILED_MESSAGES_FILE).href}?built=${Date.now()}`).catch((e) => fail(`${PRECOMPILED_MESSAGES_FILE} does not load: ${e.message}`));
if (!(compiledMessages.messages instanceof Map) || compiledMessages.messages.size === 0) fail(`${PRECOMPILED_MESSAGES_FILE} holds no messages`);

try {
  await precompileBundledCatalogue();
} catch (e) {
  fail(`${typeof e?.format === "function" ? e.format() : e?.message ?? e}; ${PRECOMPILED_CATALOGUE_FILE} not written`);
}
