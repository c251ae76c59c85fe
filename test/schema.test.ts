// The standalone validators the build writes: used while their schema is unchanged, and the same errors as Ajv compiling.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  compiledValidator,
  SCHEMA_NAMES,
  schemaProblems,
  STANDALONE_VALIDATORS_FILE,
  standaloneValidator,
  validatorFor,
  type SchemaValidator,
} from "../src/schema.js";
import { REPO } from "./helpers.js";

const snapshot = {
  apiVersion: "chataudit/v1",
  kind: "Snapshot",
  metadata: { name: "n", platform: "mattermost", collectedAt: "2026-06-01T00:00:00Z" },
  software: { product: "mattermost", version: "10.5.1", installedAt: "2026-05-01" },
  users: [{ id: "u1", status: "active", mfa: true }],
  retention: { messages: { enabled: true, maxAgeDays: 30 } },
  training: { completionRate: 0.9 },
};

/** Documents each schema refuses, between them reaching every kind of keyword the schemas use. */
const BAD: [string, unknown][] = [
  ["snapshot", {}],
  ["snapshot", { ...snapshot, apiVersion: "chataudit/v2", colour: "blue" }],
  ["snapshot", { ...snapshot, metadata: { ...snapshot.metadata, collectedAt: "yesterday", name: undefined } }],
  ["snapshot", { ...snapshot, software: { ...snapshot.software, version: "", installedAt: "2026-02-30" } }],
  ["snapshot", { ...snapshot, users: [{ id: "u1", status: "enabled", mfa: "yes" }], retention: { messages: { maxAgeDays: -1 } } }],
  ["snapshot", { ...snapshot, training: { completionRate: 2 }, users: "everyone" }],
  ["policy", { apiVersion: "chataudit/v1", kind: "Policy", id: "lower-case", severity: "dire", tags: [] }],
  ["config", { failOn: "sometimes", unknown: true, paths: [""] }],
  ["waivers", { waivers: [{ policy: "CA-BKP-001", expires: "soon" }] }],
  ["baseline", { version: 2, fingerprints: [{ fingerprint: "" }] }],
];

function errorsOf(validate: SchemaValidator, data: unknown) {
  const valid = validate(data);
  return { valid, errors: structuredClone(validate.errors), problems: schemaProblems(validate.errors) };
}

describe("standalone schema validators", () => {
  it("exist after the build for every schema, and are what validatorFor gives", () => {
    for (const name of SCHEMA_NAMES) {
      const standalone = standaloneValidator(name);
      expect(standalone, `${STANDALONE_VALIDATORS_FILE} has no current ${name} validator: run npm run build`).toBeTypeOf("function");
      expect(validatorFor(name)).toBe(standalone);
      expect(compiledValidator(name)).not.toBe(standalone);
    }
  });

  it("report exactly the errors Ajv's compiled validator reports", () => {
    for (const [name, document] of BAD) {
      const standalone = errorsOf(standaloneValidator(name)!, document);
      const compiled = errorsOf(compiledValidator(name), document);
      expect(standalone.valid, `${name} ${JSON.stringify(document)}`).toBe(false);
      expect(standalone.errors).toStrictEqual(compiled.errors);
      expect(standalone.problems).toStrictEqual(compiled.problems);
    }
  });

  it("give the messages people see for a bad snapshot", () => {
    const [, document] = BAD[4]!;
    const { problems } = errorsOf(standaloneValidator("snapshot")!, document);
    expect(problems.map((p) => `${p.path.join(".")}: ${p.message}`)).toEqual([
      "users.0.status: `users.0.status` must be one of: \"active\", \"deactivated\"",
      "users.0.mfa: `users.0.mfa` must be boolean",
      "retention.messages.maxAgeDays: `retention.messages.maxAgeDays` must be >= 0",
    ]);
  });

  it("accept what the compiled validator accepts", () => {
    for (const name of ["snapshot", "config", "waivers"]) {
      const good = name === "snapshot" ? snapshot : name === "config" ? {} : { waivers: [] };
      expect(errorsOf(standaloneValidator(name)!, good)).toStrictEqual(errorsOf(compiledValidator(name), good));
      expect(standaloneValidator(name)!(good)).toBe(true);
    }
  });

  it("are not used for a schema whose file has changed since the build", () => {
    const bytes = readFileSync(join(REPO, "schemas", "snapshot.schema.json"));
    expect(standaloneValidator("snapshot", bytes)).toBeTypeOf("function");
    expect(standaloneValidator("snapshot", Buffer.concat([bytes, Buffer.from("\n")]))).toBeUndefined();
    expect(standaloneValidator("no-such-schema", bytes)).toBeUndefined();
  });

  it("find the ajv-formats format functions from dist/ in a plain node, whatever the working folder", () => {
    const script = `
      const { snapshot } = await import(${JSON.stringify(pathToFileURL(STANDALONE_VALIDATORS_FILE).href)});
      const doc = ${JSON.stringify(snapshot)};
      const good = snapshot(doc);
      snapshot({ ...doc, software: { ...doc.software, installedAt: "2026-02-30" } });
      console.log(JSON.stringify({ good, formats: snapshot.errors.filter((e) => e.keyword === "format").map((e) => e.params.format) }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: tmpdir(), encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ good: true, formats: ["date-time", "date"] });
  });
});
