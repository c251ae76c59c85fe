// The format registry: each format's file name and its renderer, whose module is loaded only when the format is asked for.

import type { ScanReport } from "../engine/types.js";

export type Renderer = (report: ScanReport) => string;

export interface FileFormat {
  /** File written in --output. */
  file: string;
  /** Imports the reporter's module (HTML pulls in Handlebars): a run pays only for the formats it writes. */
  load: () => Promise<void>;
  /** The renderer; call `load()` (or `loadFileFormats`) first. */
  render: Renderer;
}

/** A registry entry whose render is bound once its module has been imported. */
function lazyFormat(name: string, file: string, importRenderer: () => Promise<Renderer>): FileFormat {
  let loaded: Renderer | undefined;
  return {
    file,
    async load() {
      loaded ??= await importRenderer();
    },
    render(report) {
      if (!loaded) throw new Error(`the ${name} reporter was used before it was loaded`);
      return loaded(report);
    },
  };
}

/** Formats written as files. `console` (and `github`) print instead and are handled by the CLI. */
export const FILE_FORMATS: Record<string, FileFormat> = {
  json: lazyFormat("json", "chataudit.json", async () => (await import("./json.js")).renderJson),
  sarif: lazyFormat("sarif", "chataudit.sarif", async () => (await import("./sarif.js")).renderSarif),
  html: lazyFormat("html", "chataudit.html", async () => (await import("./html.js")).renderHtml),
  junit: lazyFormat("junit", "chataudit.junit.xml", async () => (await import("./junit.js")).renderJunit),
  markdown: lazyFormat("markdown", "chataudit.md", async () => {
    const { renderMarkdown } = await import("./markdown.js");
    return (report) => renderMarkdown(report);
  }),
  csv: lazyFormat("csv", "chataudit.csv", async () => (await import("./csv.js")).renderCsv),
};

/** Import the reporters of these file formats (all of them by default) so their render can be called. */
export async function loadFileFormats(names: string[] = Object.keys(FILE_FORMATS)): Promise<void> {
  await Promise.all(names.filter((f) => FILE_FORMATS[f]).map((f) => FILE_FORMATS[f]!.load()));
}

export const PRINTED_FORMATS = ["console", "github"] as const;

export function knownFormats(): string[] {
  return [...PRINTED_FORMATS, ...Object.keys(FILE_FORMATS)];
}
