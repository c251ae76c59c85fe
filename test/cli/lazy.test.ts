// Which command modules a command line loads, and that a reporter is only usable once its module is loaded.
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/engine/types.js";
import { commandsFor } from "../../src/cli/main.js";
import { FILE_FORMATS, knownFormats, loadFileFormats } from "../../src/reports/index.js";

const ALL = ["scan", "test", "policies", "import", "collect", "diff", "merge"];
const argv = (...args: string[]) => ["node", "chataudit", ...args];

describe("command modules loaded on demand", () => {
  it("loads only the command named, also through `help <command>`", () => {
    expect(commandsFor(argv("scan", "fixtures", "-q"))).toEqual(["scan"]);
    expect(commandsFor(argv("--quiet", "diff", "a.json", "b.json"))).toEqual(["diff"]);
    expect(commandsFor(argv("help", "merge"))).toEqual(["merge"]);
    expect(commandsFor(argv("policies", "show", "x"))).toEqual(["policies"]);
  });

  it("loads none for a bare --version and all of them for help or an unknown name", () => {
    expect(commandsFor(argv("--version"))).toEqual([]);
    expect(commandsFor(argv("-V"))).toEqual([]);
    expect(commandsFor(argv())).toEqual(ALL);
    expect(commandsFor(argv("--help"))).toEqual(ALL);
    expect(commandsFor(argv("sacn"))).toEqual(ALL);
    expect(commandsFor(argv("constructor"))).toEqual(ALL);
  });
});

describe("reporters loaded on demand", () => {
  it("keeps every format's name and file, and renders once loaded", async () => {
    expect(knownFormats()).toEqual(["console", "github", "json", "sarif", "html", "junit", "markdown", "csv"]);
    expect(FILE_FORMATS.junit!.file).toBe("chataudit.junit.xml");
    const empty = { findings: [] } as unknown as ScanReport;
    expect(() => FILE_FORMATS.csv!.render(empty)).toThrow(/csv reporter was used before it was loaded/);
    await loadFileFormats(["csv"]);
    expect(FILE_FORMATS.csv!.render(empty)).toMatch(/^\S.*\r\n$/);
  });
});
