// The JUnit report: well-formed with hostile values, a suite per snapshot, a case per policy, findings inside failures.

import { describe, expect, it } from "vitest";
import { renderJunit } from "../../src/reports/junit.js";
import { cleanReport, HOSTILE, sampleReport } from "../fixtures-reports/sample-report.js";
import { findAll, parseXml, type XmlElement } from "./xml.js";

const report = sampleReport();
const xml = renderJunit(report);
const root = parseXml(xml);
const suites = findAll(root, "testsuite");

function suite(name: string): XmlElement {
  const s = suites.find((x) => x.attributes.name === name);
  if (!s) throw new Error(`no suite ${name}`);
  return s;
}

function testCase(suiteName: string, policyId: string): XmlElement {
  const c = findAll(suite(suiteName), "testcase").find((x) => x.attributes.name!.startsWith(`${policyId} `));
  if (!c) throw new Error(`no case ${policyId} in ${suiteName}`);
  return c;
}

const EDGE = `edge ${HOSTILE.img}`;

describe("JUnit XML report", () => {
  it("is well-formed XML even with markup, quotes and control characters in snapshot values", () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(root.name).toBe("testsuites");
    expect(xml).not.toMatch(/[\u0000\u0007\u000b\u001b]/);
    expect(() => parseXml(renderJunit(cleanReport()))).not.toThrow();
  });

  it("the well-formedness check itself rejects broken XML", () => {
    expect(() => parseXml("<a><b></a>")).toThrow(/mismatched/);
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow(/bare &/);
    expect(() => parseXml("<a>\u0007</a>")).toThrow(/invalid XML character/);
    expect(() => parseXml("<a>&#0;</a>")).toThrow(/not an XML 1.0 character/);
  });

  it("has one suite per snapshot and one for the unreadable input", () => {
    expect(suites.map((s) => s.attributes.name)).toEqual(["fixtures/broken.yaml", "chat-prod", EDGE]);
    const broken = suite("fixtures/broken.yaml");
    const error = findAll(broken, "error")[0]!;
    expect(error.attributes.message).toBe(`expected a mapping ${HOSTILE.img}`);
    expect(error.text).toContain("fixtures/broken.yaml:3:5");
  });

  it("has a test case per policy, passing ones too, classed by category and named '<id> <title>'", () => {
    for (const name of ["chat-prod", EDGE]) {
      const cases = findAll(suite(name), "testcase");
      expect(cases).toHaveLength(report.policies.length);
    }
    const c = testCase("chat-prod", "CA-RET-001");
    expect(c.attributes.classname).toBe("retention");
    expect(c.attributes.name).toBe("CA-RET-001 Messages are deleted after the retention period");
    expect(c.children).toEqual([]);
  });

  it("counts tests, failures, errors and skipped per suite and in total", () => {
    expect(suite("chat-prod").attributes).toMatchObject({ tests: "6", failures: "2", errors: "0", skipped: "1" });
    expect(suite(EDGE).attributes).toMatchObject({ tests: "6", failures: "2", errors: "1", skipped: "1" });
    expect(root.attributes).toMatchObject({ tests: "13", failures: "4", errors: "2", skipped: "2" });
  });

  it("puts each failing finding's message and location in the failure, hostile text intact", () => {
    const failure = findAll(testCase("chat-prod", "CA-ACC-001"), "failure")[0]!;
    expect(failure.attributes.type).toBe("critical");
    expect(failure.attributes.message).toBe("2 of 4 subjects failed (critical)");
    expect(failure.text).toContain(`User ${HOSTILE.img} left on 2026-03-01 and is still active`);
    expect(failure.text).toContain("at fixtures/mattermost/users.json:42:7");
    expect(failure.text).toContain(`[users/${HOSTILE.script}]`);
    expect(failure.text).toContain('actual {"username":"<img src=x onerror=\\"window.__pwned=1\\">"');
    const plainHttp = findAll(testCase(EDGE, "CA-END-002"), "failure")[0]!;
    expect(plainHttp.text).toContain("serves plain HTTP bell nul esc vt"); // control characters dropped, the rest kept
    const audit = findAll(testCase(EDGE, "CA-AUD-001"), "failure")[0]!;
    expect(audit.text).toContain(HOSTILE.cdata);
  });

  it("marks not-evaluated results skipped with the reason and errors as errors", () => {
    const skipped = findAll(testCase("chat-prod", "CA-MON-001"), "skipped")[0]!;
    expect(skipped.attributes.message).toBe("not evaluated: monitoring.metrics is missing from the snapshot");
    const error = findAll(testCase(EDGE, "CA-RET-001"), "error")[0]!;
    expect(error.attributes.message).toBe(`message template failed: ${HOSTILE.script}`);
  });

  it("shows waived results as passing with the waiver in system-out", () => {
    const c = testCase("chat-prod", "CA-BKP-001");
    expect(findAll(c, "failure")).toEqual([]);
    expect(findAll(c, "skipped")).toEqual([]);
    const out = findAll(c, "system-out")[0]!;
    expect(out.text).toContain("Waived by ops@example.com until 2026-12-31");
    expect(out.text).toContain(HOSTILE.cdata);
  });

  it("keeps line breaks in attribute values as character references", () => {
    const odd = sampleReport();
    odd.results[4]!.reason = "line one\nline two";
    const skipped = findAll(parseXml(renderJunit(odd)), "skipped")[0]!;
    expect(skipped.attributes.message).toBe("not evaluated: line one\nline two");
  });
});
