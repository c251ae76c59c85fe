// Golden reports over the example fixtures: a real scan at a fixed clock, every file format compared byte for byte.
// Update them on purpose with `UPDATE_GOLDEN=1 npx vitest run test/reports/golden.test.ts`, then read the diff.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/engine/types.js";
import { renderCsv } from "../../src/reports/csv.js";
import { renderHtml } from "../../src/reports/html.js";
import { renderJunit } from "../../src/reports/junit.js";
import { renderMarkdown } from "../../src/reports/markdown.js";
import { renderSarif } from "../../src/reports/sarif.js";
import { scan } from "../../src/scan.js";
import { REPO } from "../helpers.js";
import { runMultitool, sarifSchemaErrors } from "./sarif-validators.js";
import { parseXml } from "./xml.js";

const GOLDEN_DIR = join(REPO, "test/reports/golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/**
 * A hand-written snapshot, a deployment manifest (native Mattermost config + users export + facts), a native
 * config on its own, and a clean snapshot; two categories keep the goldens small enough to read in review.
 */
const GOLDEN_SCAN = {
  inputs: [
    "fixtures/snapshots/neglected.yaml",
    "fixtures/snapshots/well-kept.yaml",
    "fixtures/native/deployment/chat-prod.deployment.yaml",
    "fixtures/native/mattermost/mattermost-insecure.config.json",
  ],
  only: ["backup", "endpoints"],
  asOf: "2026-09-28T06:00:00Z",
  failOn: "high" as const,
  waivers: "test/fixtures-reports/golden-waivers.yaml",
  root: REPO,
};

const FORMATS: { file: string; render: (r: ScanReport) => string }[] = [
  { file: "fixtures.sarif", render: renderSarif },
  { file: "fixtures.html", render: renderHtml },
  { file: "fixtures.junit.xml", render: renderJunit },
  { file: "fixtures.md", render: renderMarkdown },
  { file: "fixtures.csv", render: renderCsv },
];

let report: ScanReport;

describe("golden reports over fixtures/", () => {
  beforeAll(async () => {
    const scanned = await scan(GOLDEN_SCAN);
    // The versions change with every release and policy edit; the goldens are about the reports' shape.
    report = { ...scanned, tool: { ...scanned.tool, version: "0.0.0-golden", policyPackVersion: "0.0.0-golden+pack" } };
    if (UPDATE) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      for (const f of FORMATS) writeFileSync(join(GOLDEN_DIR, f.file), f.render(report));
    }
  });

  it("scans what the goldens are meant to show: failures, a waiver, an expired waiver, native-config locations", () => {
    expect(report.summary.snapshots).toBe(4);
    expect(report.findings.some((f) => f.status === "waived")).toBe(true);
    expect(report.waivers?.some((w) => w.state === "expired")).toBe(true);
    expect(report.findings.some((f) => f.location.path === "fixtures/native/mattermost/mattermost-insecure.config.json")).toBe(true);
    expect(report.results.some((r) => r.status === "not-evaluated")).toBe(true);
  });

  for (const format of FORMATS) {
    it(`${format.file} matches its golden`, () => {
      const path = join(GOLDEN_DIR, format.file);
      expect(existsSync(path), `${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/reports/golden.test.ts`).toBe(true);
      expect(format.render(report)).toBe(readFileSync(path, "utf8"));
    });
  }

  it("the SARIF golden validates against the official schema and has no multitool error", (ctx) => {
    const text = readFileSync(join(GOLDEN_DIR, "fixtures.sarif"), "utf8");
    expect(sarifSchemaErrors(JSON.parse(text))).toEqual([]);
    const verdict = runMultitool(text);
    if (verdict.unavailable) {
      if (process.env.CI === "true") throw new Error(`SARIF multitool cannot run in CI: ${verdict.unavailable}`);
      ctx.skip(`SARIF multitool cannot run on this machine: ${verdict.unavailable}`);
    }
    expect(verdict.results.filter((r) => r.level === "error")).toEqual([]);
  });

  it("the JUnit golden is well-formed", () => {
    expect(() => parseXml(readFileSync(join(GOLDEN_DIR, "fixtures.junit.xml"), "utf8"))).not.toThrow();
  });
});
