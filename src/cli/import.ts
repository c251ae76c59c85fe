// `chataudit import <platform> <file>`: print the normalized snapshot a native config becomes.

import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { getImporter, IMPORTERS } from "../importers/index.js";
import { parseAsOf } from "../scan.js";
import { readSourceText } from "../source/text.js";

export function registerImport(program: Command): void {
  program
    .command("import")
    .description("print the normalized snapshot a native platform config becomes (secrets redacted)")
    .argument("<platform>", `one of: ${IMPORTERS.map((i) => i.platform).join(", ")}`)
    .argument("<file>", "the native config or export")
    .option("--as-of <date-time>", "collectedAt to record (default: now)")
    .option("--name <name>", "snapshot name (default: from the config)")
    .action(async (platform: string, file: string, flags: { asOf?: string; name?: string }) => {
      const importer = getImporter(platform);
      if (!importer) throw new UsageError(`unknown platform "${platform}" (known: ${IMPORTERS.map((i) => i.platform).join(", ")})`);
      const source = await readSourceText(file);
      const result = importer.import({ path: file, text: source.text }, { collectedAt: parseAsOf(flags.asOf), name: flags.name });
      process.stdout.write(`${JSON.stringify(result.snapshot, null, 2)}\n`);
      process.exitCode = 0;
    });
}
