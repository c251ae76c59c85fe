import { describe, expect, it } from "vitest";
import { applyGate } from "../../src/gate/apply.js";
import { buildBaseline } from "../../src/gate/baseline.js";
import { escapeData, escapeProperty, renderGithub } from "../../src/reports/github.js";
import { evaluatedReport, mfaPolicy, prodSnapshot, withSeverity } from "../gate/report.js";

describe("GitHub's escaping rules", () => {
  it("escapes %, CR and LF in messages, and also : and , in properties", () => {
    expect(escapeData("100% done\r\nnext: a, b")).toBe("100%25 done%0D%0Anext: a, b");
    expect(escapeProperty("C:\\x,y %\n")).toBe("C%3A\\x%2Cy %25%0A");
  });

  it("escapes % first, so an escape sequence in the input is not decoded by GitHub", () => {
    expect(escapeData("%0A")).toBe("%250A");
  });
});

describe("annotations for a scan", () => {
  const report = evaluatedReport([prodSnapshot()]);

  it("annotates each failing finding at its file, line and column, error for high, warning for medium", () => {
    expect(renderGithub(report).split("\n")).toEqual([
      "::error file=prod.yaml,line=1,col=1,title=CA-ACC-101 (high)%3A Inline test policy::u-1 has no MFA%0Asnapshot prod, subject users/u-1",
      "::error file=prod.yaml,line=1,col=1,title=CA-ACC-101 (high)%3A Inline test policy::u-2 has no MFA%0Asnapshot prod, subject users/u-2",
      "::warning file=prod.yaml,line=1,col=1,title=CA-AUD-102 (medium)%3A Inline test policy::audit logging is off%0Asnapshot prod, subject snapshot",
      "",
    ]);
  });

  it("uses notice for low and info", () => {
    const low = evaluatedReport([prodSnapshot()], [withSeverity(mfaPolicy, "low")]);
    expect(renderGithub(low).split("\n").filter(Boolean).every((l) => l.startsWith("::notice "))).toBe(true);
  });

  it("keeps a hostile message and path inside one command", () => {
    const hostile = { ...report, findings: [{ ...report.findings[0]!, message: "x\n::error::injected", location: { path: "a,b:c.yaml", line: 3, column: 7 } }] };
    const out = renderGithub(hostile);
    expect(out.split("\n").filter(Boolean)).toHaveLength(1);
    expect(out).toContain("file=a%2Cb%3Ac.yaml,line=3,col=7,");
    expect(out).toContain("::x%0A::error::injected%0A");
  });

  it("skips waived findings and findings already in the baseline, and marks new ones", () => {
    const gated = applyGate(report, {
      asOf: report.asOf,
      baseline: { ...buildBaseline(report), fingerprints: buildBaseline(report).fingerprints.filter((e) => e.subject !== "users/u-2") },
      waivers: [{ policy: "CA-AUD-102", reason: "r", owner: "o", expires: "2027-01-01" }],
    });
    const lines = renderGithub(gated).split("\n").filter(Boolean);
    expect(lines).toEqual([expect.stringContaining("subject users/u-2 (new since the baseline)")]);
  });

  it("raises run warnings such as an expired waiver, and unreadable inputs as errors at their line", () => {
    const gated = applyGate(report, { asOf: report.asOf, waivers: [{ policy: "CA-AUD-102", reason: "r", owner: "o", expires: "2026-01-01" }] });
    gated.inputs.push({ path: "broken.json", sha256: "", platform: "unknown", status: "error", error: { message: "invalid JSON: Unexpected token", line: 4, column: 2 } });
    const lines = renderGithub(gated).split("\n").filter(Boolean);
    expect(lines[0]).toBe("::error file=broken.json,line=4,col=2,title=chataudit%3A input could not be read::invalid JSON: Unexpected token");
    expect(lines.at(-1)).toMatch(/^::warning title=chataudit::EXPIRED waiver CA-AUD-102 /);
  });

  it("prints nothing when there is nothing to say", () => {
    const clean = evaluatedReport([prodSnapshot("prod", [["u-1", true]], true)]);
    expect(renderGithub(clean)).toBe("");
  });
});
