// The HTML report in real headless Chromium: no console error, no request, failing policies shown, accessible,
// filters and search working offline, and hostile snapshot values shown as text instead of running.
// Locally it skips when Chromium is missing; in CI (CI=true) a missing Chromium fails the run.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtml } from "../../src/reports/html.js";
import { HOSTILE, sampleReport } from "../fixtures-reports/sample-report.js";
import { REPO } from "../helpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const IN_CI = process.env.CI === "true";
const available = existsSync(CHROMIUM);

/** What the page's window carries after the tests poke at it. */
interface ProbedWindow {
  __pwned?: number;
  axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> };
}

const report = sampleReport();
const html = renderHtml(report);

let workDir: string;
let context: BrowserContext;
let page: Page;
let fileUrl: string;
const consoleErrors: string[] = [];
const requests: string[] = [];

async function open(target: Page, url: string): Promise<void> {
  await target.goto(url, { waitUntil: "load" });
}

async function visibleCount(selector: string): Promise<number> {
  return page.locator(`${selector}:visible`).count();
}

describe.runIf(available || IN_CI)("HTML report in headless Chromium", () => {
  beforeAll(async () => {
    if (!available) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (CI must run the browser tests)`);
    workDir = mkdtempSync(join(tmpdir(), "chataudit-browser-"));
    const file = join(workDir, "chataudit.html");
    writeFileSync(file, html);
    fileUrl = pathToFileURL(file).href;
    context = await chromium.launchPersistentContext(join(workDir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
    await open(page, fileUrl);
  });

  afterAll(async () => {
    await context?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("opens with no console error (CSP hashes match) and requests nothing but the document", () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([fileUrl]);
  });

  it("runs its script: the filter form is shown", async () => {
    expect(await page.locator("#filters").isVisible()).toBe(true);
  });

  it("shows every failing policy's id among the findings", async () => {
    const failing = [...new Set(report.results.filter((r) => r.status === "fail").map((r) => r.policyId))];
    expect(failing.length).toBeGreaterThan(0);
    for (const id of failing) {
      await expect.poll(() => page.locator("#findings .policy-id", { hasText: id }).first().isVisible()).toBe(true);
    }
  });

  it("has no serious or critical axe-core violation", async () => {
    const axeSource = readFileSync(join(REPO, "node_modules/axe-core/axe.min.js"), "utf8");
    // evaluate() runs through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(axeSource);
    const results = await page.evaluate(() => {
      const w = globalThis as unknown as ProbedWindow & { document: unknown };
      return w.axe.run(w.document, { resultTypes: ["violations"] });
    });
    const serious = results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    expect(serious).toEqual([]);
  });

  it("filters by severity: critical hides every other finding and result", async () => {
    await page.selectOption("#filter-severity", "critical");
    const critical = report.findings.filter((f) => f.severity === "critical").length;
    expect(await visibleCount('[data-filter-item="finding"]')).toBe(critical);
    expect(await visibleCount('[data-filter-item="finding"]:not([data-severity="critical"])')).toBe(0);
    expect(await visibleCount('[data-filter-item="result"]')).toBe(report.results.filter((r) => r.severity === "critical").length);
    expect(await page.locator("#filter-status-text").textContent()).toBe(`Showing ${critical} of ${report.findings.length} findings and 2 of ${report.results.length} results.`);
    await page.click("#filters button[type=reset]");
    await expect.poll(() => visibleCount('[data-filter-item="finding"]')).toBe(report.findings.length);
  });

  it("filters by category and by snapshot, a hostile snapshot name included", async () => {
    await page.selectOption("#filter-category", "endpoints");
    expect(await visibleCount('[data-filter-item="finding"]')).toBe(report.findings.filter((f) => f.category === "endpoints").length);
    const edge = `edge ${HOSTILE.img}`;
    await page.selectOption("#filter-snapshot", edge);
    expect(await visibleCount('[data-filter-item="finding"]')).toBe(report.findings.filter((f) => f.category === "endpoints" && f.snapshot === edge).length);
    await page.selectOption("#filter-category", "");
    expect(await visibleCount('[data-filter-item="result"]')).toBe(report.results.filter((r) => r.snapshot === edge).length);
    await page.click("#filters button[type=reset]");
    await expect.poll(() => visibleCount('[data-filter-item="result"]')).toBe(report.results.length);
  });

  it("filters by status, and says so when nothing matches", async () => {
    await page.selectOption("#filter-status", "not-evaluated");
    expect(await visibleCount('[data-filter-item="result"]')).toBe(2);
    expect(await visibleCount('[data-filter-item="finding"]')).toBe(0);
    expect(await page.locator('[data-empty-for="finding"]').isVisible()).toBe(true);
    await page.click("#filters button[type=reset]");
    await expect.poll(() => page.locator('[data-empty-for="finding"]').isVisible()).toBe(false);
  });

  it("searches findings and results by their text", async () => {
    await page.fill("#filter-search", "siteurl");
    expect(await visibleCount('[data-filter-item="finding"]')).toBe(1);
    expect(await page.locator('[data-filter-item="finding"]:visible .message').textContent()).toBe("Endpoint siteurl accepts TLS 1.0, minimum 1.2");
    await page.fill("#filter-search", "WINDOW.__PWNED=2");
    expect(await visibleCount('[data-filter-item="finding"]')).toBe(1);
    await page.fill("#filter-search", "no such thing anywhere");
    expect(await visibleCount('[data-filter-item="finding"]')).toBe(0);
    await page.fill("#filter-search", "");
    expect(await visibleCount('[data-filter-item="finding"]')).toBe(report.findings.length);
  });

  it("shows injected markup as text and never runs it", async () => {
    expect(await page.evaluate(() => (globalThis as unknown as ProbedWindow).__pwned)).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1);
    const messages = await page.locator(".finding .message").allTextContents();
    expect(messages).toContain(`User ${HOSTILE.img} left on 2026-03-01 and is still active`);
    expect(messages).toContain(`User ${HOSTILE.script} left and is still active`);
  });

  it("keeps the payload inert even without its CSP: the escaping alone holds", async () => {
    const unprotected = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, "");
    expect(unprotected).not.toContain("Content-Security-Policy");
    const other = await context.newPage();
    try {
      await other.setContent(unprotected, { waitUntil: "load" });
      expect(await other.evaluate(() => (globalThis as unknown as ProbedWindow).__pwned)).toBeUndefined();
      expect(await other.locator("img").count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("prints everything: filters hidden, filtered-out items and closed details shown", async () => {
    await page.selectOption("#filter-severity", "critical");
    await page.emulateMedia({ media: "print" });
    try {
      expect(await page.locator("#filters").isVisible()).toBe(false);
      expect(await visibleCount('[data-filter-item="finding"]')).toBe(report.findings.length);
      const about = page.locator(".finding details.about p").first();
      expect(await about.isVisible()).toBe(true);
    } finally {
      await page.emulateMedia({ media: "screen" });
      await page.click("#filters button[type=reset]");
    }
  });

  it("logged no console error during all of the above", () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([fileUrl]);
  });
});

if (!available && !IN_CI) {
  describe("HTML report in headless Chromium", () => {
    it.skip(`needs Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`, () => undefined);
  });
}
