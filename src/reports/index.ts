// The format registry: each format's file name and its pure renderer.

import type { ScanReport } from "../engine/types.js";
import { renderCsv } from "./csv.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif } from "./sarif.js";

export interface FileFormat {
  /** File written in --output. */
  file: string;
  render: (report: ScanReport) => string;
}

/** Formats written as files. `console` (and `github`) print instead and are handled by the CLI. */
export const FILE_FORMATS: Record<string, FileFormat> = {
  json: { file: "chataudit.json", render: renderJson },
  sarif: { file: "chataudit.sarif", render: renderSarif },
  html: { file: "chataudit.html", render: renderHtml },
  junit: { file: "chataudit.junit.xml", render: renderJunit },
  markdown: { file: "chataudit.md", render: (report) => renderMarkdown(report) },
  csv: { file: "chataudit.csv", render: renderCsv },
};

export const PRINTED_FORMATS = ["console", "github"] as const;

export function knownFormats(): string[] {
  return [...PRINTED_FORMATS, ...Object.keys(FILE_FORMATS)];
}
