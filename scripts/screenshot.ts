// Makes docs/html-report.png, the README's picture of the HTML report: the example fixtures scanned at a fixed
// clock, rendered by the built package, photographed by headless Chromium.
//
//   npm run build && tsc scripts/screenshot.ts --outDir dist/scripts --module nodenext --moduleResolution nodenext \
//     --target es2022 --types node --strict --skipLibCheck && node dist/scripts/screenshot.js [report.json] [out.png]
//
// With a chataudit.json argument it photographs that report instead. It imports the compiled dist/ modules at
// run time, so the script compiles on its own and always shows what the package really renders.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

/** The example the README describes: a neglected and a well-kept snapshot, a deployment manifest and a native config. */
const EXAMPLE_SCAN = {
  inputs: [
    "fixtures/snapshots/neglected.yaml",
    "fixtures/snapshots/well-kept.yaml",
    "fixtures/native/deployment/chat-prod.deployment.yaml",
    "fixtures/native/mattermost/mattermost-insecure.config.json",
  ],
  asOf: "2026-09-28T06:00:00Z",
  failOn: "high",
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "src", "reports", "html"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("screenshot: cannot find the chataudit package folder");
    dir = parent;
  }
  return dir;
}

async function importBuilt<T>(root: string, module: string): Promise<T> {
  const file = join(root, "dist", module);
  if (!existsSync(file)) throw new Error(`screenshot: ${file} is missing; run npm run build first`);
  return (await import(pathToFileURL(file).href)) as T;
}

async function main(argv: string[]): Promise<void> {
  const root = packageRoot();
  const [reportArg, outArg] = argv;
  const out = resolve(outArg ?? join(root, "docs", "html-report.png"));

  const { renderHtml } = await importBuilt<{ renderHtml: (report: unknown) => string }>(root, "reports/html.js");
  let report: unknown;
  if (reportArg) {
    report = JSON.parse(readFileSync(reportArg, "utf8"));
  } else {
    const { scan } = await importBuilt<{ scan: (options: object) => Promise<unknown> }>(root, "scan.js");
    report = await scan({ ...EXAMPLE_SCAN, root });
  }

  if (!existsSync(CHROMIUM)) throw new Error(`screenshot: Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const work = mkdtempSync(join(tmpdir(), "chataudit-screenshot-"));
  const context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 1000 },
    deviceScaleFactor: 1,
  });
  try {
    const htmlFile = join(work, "chataudit.html");
    writeFileSync(htmlFile, renderHtml(report));
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: "load" });
    mkdirSync(dirname(out), { recursive: true });
    // The first screen: verdict, summary counts and both charts.
    await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: 1000 } });
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    await context.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
