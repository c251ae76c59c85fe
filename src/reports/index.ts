// The format registry: each format's file name and its pure renderer.

import type { ScanReport } from "../engine/types.js";
import { renderJson } from "./json.js";

export interface FileFormat {
  /** File written in --output. */
  file: string;
  render: (report: ScanReport) => string;
}

/** Formats written as files. `console` (and `github`) print instead and are handled by the CLI. */
export const FILE_FORMATS: Record<string, FileFormat> = {
  json: { file: "chataudit.json", render: renderJson },
};

export const PRINTED_FORMATS = ["console", "github"] as const;

export function knownFormats(): string[] {
  return [...PRINTED_FORMATS, ...Object.keys(FILE_FORMATS)];
}
