// The JUnit XML report (chataudit.junit.xml) for CI test tabs: a suite per snapshot, a test case per policy, passing ones too.
//
// Mapping: fail -> <failure> listing the failing findings; error -> <error>; not-evaluated -> <skipped> with
// the reason; waived -> a passing test case whose <system-out> names each waived finding with its owner,
// expiry and reason (an accepted risk does not break the build, but the trail stays in the test report).
// An input that could not be loaded becomes a suite with one <error> test case, so CI shows it.

import type { Finding, InputRecord, Result, ScanReport } from "../engine/types.js";
import { formatLocation, xmlAttr, xmlText } from "./escape.js";

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export function renderJunit(report: ScanReport): string {
  const findingsByResult = groupFindings(report.findings);
  const suites: { xml: string; counts: Counts }[] = [];
  for (const input of report.inputs) {
    if (input.status === "error") {
      suites.push(inputErrorSuite(input, report.asOf));
      continue;
    }
    const results = report.results.filter((r) => r.input === input.path);
    suites.push(snapshotSuite(input, results, findingsByResult, report.asOf));
  }
  const total = suites.reduce<Counts>(
    (sum, s) => ({
      tests: sum.tests + s.counts.tests,
      failures: sum.failures + s.counts.failures,
      errors: sum.errors + s.counts.errors,
      skipped: sum.skipped + s.counts.skipped,
    }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="chataudit ${xmlAttr(report.tool.version)}"${countAttrs(total)} time="0" timestamp="${junitTimestamp(report.asOf)}">`,
    ...suites.map((s) => s.xml),
    `</testsuites>`,
    "",
  ].join("\n");
}

function snapshotSuite(input: InputRecord, results: Result[], findings: Map<string, Finding[]>, asOf: string): { xml: string; counts: Counts } {
  const counts: Counts = {
    tests: results.length,
    failures: results.filter((r) => r.status === "fail").length,
    errors: results.filter((r) => r.status === "error").length,
    skipped: results.filter((r) => r.status === "not-evaluated").length,
  };
  const name = input.snapshot ?? input.path;
  const lines = [
    `  <testsuite name="${xmlAttr(name)}"${countAttrs(counts)} time="0" timestamp="${junitTimestamp(asOf)}" file="${xmlAttr(input.path)}">`,
    properties([
      ["input", input.path],
      ["sha256", input.sha256],
      ["platform", input.platform],
      ["collectedAt", input.collectedAt],
      ["source", input.source !== input.path ? input.source : undefined],
      ["asOf", asOf],
    ]),
    ...results.map((r) => testCase(r, findings.get(resultKey(r.policyId, r.snapshot)) ?? [])),
    `  </testsuite>`,
  ];
  return { xml: lines.join("\n"), counts };
}

function inputErrorSuite(input: InputRecord, asOf: string): { xml: string; counts: Counts } {
  const e = input.error;
  const where = e?.line ? `${input.path}:${e.line}${e.column ? `:${e.column}` : ""}` : input.path;
  const message = e?.message ?? "could not be loaded";
  const xml = [
    `  <testsuite name="${xmlAttr(input.path)}" tests="1" failures="0" errors="1" skipped="0" time="0" timestamp="${junitTimestamp(asOf)}" file="${xmlAttr(input.path)}">`,
    properties([["input", input.path], ["sha256", input.sha256]]),
    `    <testcase classname="input" name="${xmlAttr(`load ${input.path}`)}" time="0" file="${xmlAttr(input.path)}">`,
    `      <error message="${xmlAttr(message)}" type="input-error">${xmlText(`${where}: ${message}`)}</error>`,
    `    </testcase>`,
    `  </testsuite>`,
  ].join("\n");
  return { xml, counts: { tests: 1, failures: 0, errors: 1, skipped: 0 } };
}

function testCase(r: Result, findings: Finding[]): string {
  const open = `    <testcase classname="${xmlAttr(r.category)}" name="${xmlAttr(`${r.policyId} ${r.title}`)}" time="0" file="${xmlAttr(r.input)}">`;
  const failing = findings.filter((f) => f.status === "fail");
  const waived = findings.filter((f) => f.status === "waived");
  const body: string[] = [];
  if (r.status === "fail") {
    const summary = `${r.failed - r.waived} of ${r.evaluated} subject${r.evaluated === 1 ? "" : "s"} failed (${r.severity})`;
    const text = failing.map(describeFinding).join("\n\n");
    body.push(`      <failure message="${xmlAttr(summary)}" type="${xmlAttr(r.severity)}">${xmlText(text)}</failure>`);
  } else if (r.status === "error") {
    body.push(`      <error message="${xmlAttr(r.reason ?? "evaluation error")}" type="evaluation-error"/>`);
  } else if (r.status === "not-evaluated") {
    body.push(`      <skipped message="${xmlAttr(`not evaluated: ${r.reason ?? "the evidence this policy needs is missing"}`)}"/>`);
  }
  if (waived.length > 0) {
    const text = waived.map((f) => `${describeFinding(f)}\nWaived by ${f.waiver?.owner ?? "?"} until ${f.waiver?.expires ?? "?"}: ${f.waiver?.reason ?? ""}`).join("\n\n");
    body.push(`      <system-out>${xmlText(text)}</system-out>`);
  }
  return body.length === 0 ? open.replace(/>$/, "/>") : [open, ...body, `    </testcase>`].join("\n");
}

function describeFinding(f: Finding): string {
  const evidence = `expected ${JSON.stringify(f.evidence.expected)}, actual ${JSON.stringify(f.evidence.actual)}`;
  return `[${f.subject}] ${f.message}\n  at ${formatLocation(f.location)}\n  ${evidence}\n  fingerprint ${f.fingerprint}`;
}

function properties(entries: [string, string | undefined][]): string {
  const present = entries.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "");
  return [
    `    <properties>`,
    ...present.map(([name, value]) => `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`),
    `    </properties>`,
  ].join("\n");
}

function countAttrs(c: Counts): string {
  return ` tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}"`;
}

/** The JUnit schema's timestamp: an ISO date-time without zone (the value is UTC). */
function junitTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? "1970-01-01T00:00:00" : new Date(ms).toISOString().slice(0, 19);
}

function resultKey(policyId: string, snapshot: string): string {
  return `${policyId}\u0000${snapshot}`;
}

function groupFindings(findings: readonly Finding[]): Map<string, Finding[]> {
  const map = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = resultKey(f.policyId, f.snapshot);
    const list = map.get(key);
    if (list) list.push(f);
    else map.set(key, [f]);
  }
  return map;
}
