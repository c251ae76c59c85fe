// `__proto__`, `constructor` and `prototype` keys in every file chataudit reads, and rules and message templates
// that try to reach inherited properties: nothing is polluted, nothing inherited is read, rendered or called.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { applyReference, compileRule } from "../../src/policy/jsonlogic.js";
import { cli } from "../cli/run.js";
import { expectRefused, packScanArgs, policyYaml, scanArgs, scratch, snapshotYaml, strayStderr } from "./support.js";

const PROTOTYPES = { Object: Object.prototype, Array: Array.prototype, String: String.prototype, Function: Function.prototype, Number: Number.prototype };

/** Every own property of the built-in prototypes, with its value, to compare after each run. */
function prototypesNow(): Record<string, [string | symbol, unknown][]> {
  return Object.fromEntries(
    Object.entries(PROTOTYPES).map(([name, proto]) => [name, Reflect.ownKeys(proto).map((k) => [k, Object.getOwnPropertyDescriptor(proto, k)?.value] as [string | symbol, unknown])]),
  );
}

const before = prototypesNow();
let dir: string;
let out: string;
let remove: () => void;

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

beforeAll(() => {
  ({ dir, remove } = scratch("hostile-proto"));
  out = join(dir, "out");
});
afterAll(() => remove());
afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  expect(prototypesNow()).toEqual(before);
});

const PAYLOAD = { polluted: "yes", isAdmin: true, roles: ["admin"], status: "deactivated", mfa: true };

/** A snapshot with the three keys at the top, in metadata, in a user, in an endpoint and deep in settings. */
function pollutingSnapshotJson(name: string): string {
  const text = JSON.stringify({
    apiVersion: "chataudit/v1",
    kind: "Snapshot",
    PROTO: PAYLOAD,
    constructor: { prototype: PAYLOAD },
    metadata: { name, platform: "generic", collectedAt: "2026-06-01T00:00:00Z", PROTO: PAYLOAD },
    users: [
      { id: "u1", username: "mallory", roles: ["user"], status: "active", PROTO: PAYLOAD, constructor: { prototype: PAYLOAD } },
      { id: "u2", username: "prototype", roles: ["user"], status: "active", prototype: PAYLOAD },
    ],
    endpoints: [{ name: "constructor", url: "https://chat.example.org", exposure: "public", tls: { enabled: true, minVersion: "1.2", PROTO: PAYLOAD } }],
    settings: { a: { b: { PROTO: PAYLOAD, constructor: { prototype: PAYLOAD } } } },
  });
  // JSON.stringify would not write a real "__proto__" key from an object literal: put it in the text.
  return text.replace(/"PROTO"/g, '"__proto__"');
}

function pollutingSnapshotYaml(name: string): string {
  const payload = "{ polluted: yes, isAdmin: true, roles: [admin], status: deactivated, mfa: true }";
  return snapshotYaml(
    name,
    `__proto__: ${payload}
constructor: { prototype: ${payload} }
users:
  - { id: u1, username: mallory, roles: [user], status: active, __proto__: ${payload}, constructor: { prototype: ${payload} } }
  - { id: u2, username: prototype, roles: [user], status: active, prototype: ${payload} }
settings:
  a: { b: { __proto__: ${payload}, constructor: { prototype: ${payload} } } }
`,
  ).replace("collectedAt:", `__proto__: ${payload}, collectedAt:`);
}

/** Findings on users that inherit `roles: [admin]` through their __proto__ would show up here. */
const ADMINS = policyYaml(
  "CA-HST-010",
  `select: users
assert: { "!": { in: [admin, { var: roles }] } }
message: "{{username}} holds admin"`,
);

interface Report {
  findings: { policyId: string; subject: string; message: string; evidence: { expected: Record<string, unknown>; actual: Record<string, unknown> } }[];
  results: { policyId: string; status: string; evaluated: number; failed: number }[];
}

function report(): Report {
  return JSON.parse(readFileSync(join(out, "chataudit.json"), "utf8")) as Report;
}

describe("snapshots with __proto__, constructor and prototype keys", () => {
  it.each([
    ["json", pollutingSnapshotJson],
    ["yaml", pollutingSnapshotYaml],
  ])("scan a %s snapshot through the bundled pack and every format without polluting anything", async (ext, make) => {
    const path = file(`polluting.${ext}`, make(`polluting-${ext}`));
    const result = await cli(...packScanArgs([path], out, "--format", "json,sarif,html,junit,markdown,csv,console,github", "--fail-on", "none"));
    expect(strayStderr(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    expect(report().results.length).toBeGreaterThan(10);
  });

  it("never treats a role inherited through __proto__ as the user's own", async () => {
    const path = file("admins.json", pollutingSnapshotJson("admins"));
    const result = await cli(...scanArgs([path], out, "--no-builtin", "--policies", file("admins.yaml", ADMINS)));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(report().results).toEqual([expect.objectContaining({ policyId: "CA-HST-010", status: "pass", evaluated: 2, failed: 0 })]);
  });
});

describe("JSON Logic `var` reads own properties only", () => {
  const data = JSON.parse('{"name": "x", "list": [1], "__proto__": {"secret": "inherited"}, "user": {"id": "u1"}}') as unknown;
  const ctx = { asOf: Date.parse("2026-06-01T00:00:00Z") };

  it.each([
    "constructor", "constructor.name", "constructor.prototype", "__proto__.secret", "secret", "toString", "hasOwnProperty",
    "user.constructor", "user.constructor.name", "user.__proto__", "user.toString", "name.constructor", "name.toString",
    "list.constructor", "list.map", "list.__proto__", "__proto__.constructor.constructor",
  ])("{ var: %j } is null, in the compiled engine and the reference", (path) => {
    const rule = { var: path };
    const own = path === "__proto__.secret" ? "inherited" : null;
    // `__proto__` is an own key of this data (JSON.parse made it one), so `__proto__.secret` is own data too.
    expect(compileRule(rule)(data, { ctx })).toEqual(own);
    expect(applyReference(rule, data, ctx)).toEqual(own);
  });

  it("nothing inherited is called through a loop, a default or `missing` either", () => {
    const loops = { map: [{ var: "users" }, { var: "constructor.name" }] };
    const users = { users: [{ id: "a" }, { id: "b" }] };
    expect(compileRule(loops)(users, { ctx })).toEqual([null, null]);
    expect(compileRule({ var: ["toString", "fallback"] })({}, { ctx })).toBe("fallback");
    expect(compileRule({ missing: ["constructor", "toString", "__proto__"] })({}, { ctx })).toEqual(["constructor", "toString", "__proto__"]);
    expect(compileRule({ var: "params.constructor" }, { scoped: true })({}, { ctx, roots: { params: {} } })).toBeNull();
    expect(compileRule({ var: "snapshot.constructor.name" }, { scoped: true })({}, { ctx, roots: { snapshot: {} } })).toBeNull();
  });
});

describe("policies, waivers, params and config files with __proto__, constructor and prototype keys", () => {
  const snapshot = () => file("plain.yaml", snapshotYaml("plain", "users:\n  - { id: u1, username: alice, roles: [user], status: active }\n"));

  it("refuses __proto__ as a JSON Logic operation, and as a top-level policy key", async () => {
    const asOp = file("op.yaml", policyYaml("CA-HST-011", `assert:\n  and:\n    - true\n    - __proto__: { polluted: yes }\nmessage: "never"`));
    expectRefused(await cli(...scanArgs([snapshot()], out, "--no-builtin", "--policies", asOp)), {
      file: asOp, line: 16, column: 7, reason: /unknown JSON Logic operation "__proto__" at assert\.and\[1\]\.__proto__/,
    });
    const ctor = file("ctor.yaml", policyYaml("CA-HST-012", `assert: { constructor: [1] }\nmessage: "never"`));
    expectRefused(await cli(...scanArgs([snapshot()], out, "--no-builtin", "--policies", ctor)), { file: ctor, reason: /unknown JSON Logic operation "constructor"/ });
    const top = file("top.yaml", `${policyYaml("CA-HST-013", `assert: true\nmessage: "never"`)}__proto__: { polluted: yes }\n`);
    expectRefused(await cli(...scanArgs([snapshot()], out, "--no-builtin", "--policies", top)), { file: top, reason: /unknown field `__proto__`/ });
  });

  it("keeps `constructor` and `prototype` as plain names of params and computed values", async () => {
    const policy = file(
      "names.yaml",
      policyYaml(
        "CA-HST-014",
        `params: { constructor: 3, prototype: [x] }
compute: { constructor: { var: params.constructor }, toString: { var: params.prototype } }
assert: { "==": [{ var: computed.constructor }, 4] }
message: "{{params.constructor}} {{computed.constructor}} {{computed.toString}} {{params.__proto__}} {{params.hasOwnProperty}}"`,
      ),
    );
    const result = await cli(...scanArgs([snapshot()], out, "--no-builtin", "--policies", policy));
    expect(strayStderr(result.stderr)).toEqual([]);
    expect(result.code).toBe(1);
    const [finding] = report().findings;
    expect(finding!.message).toBe("3 3 x");
    expect(finding!.evidence.expected).toEqual({ constructor: 3, prototype: ["x"] });
  });

  it("refuses waivers with __proto__ keys", async () => {
    const waivers = file("waivers.yaml", "__proto__: { polluted: yes }\nwaivers:\n  - { policy: CA-ACC-001, reason: r, owner: o, expires: 2027-01-01, __proto__: { polluted: yes } }\n");
    expectRefused(await cli(...scanArgs([snapshot()], out, "--waivers", waivers)), { file: waivers, line: 1, column: 1, reason: /unknown field `__proto__`/ });
  });

  it("refuses params files that name __proto__ or constructor as a policy or a parameter", async () => {
    const asPolicy = file("params-policy.yaml", "__proto__: { polluted: yes }\n");
    expectRefused(await cli(...scanArgs([snapshot()], out, "--params", asPolicy)), { file: asPolicy, reason: /unknown policy __proto__/ });
    const asParam = file("params-param.yaml", "CA-HST-201: { __proto__: { polluted: yes }, constructor: 1 }\n");
    expectRefused(await cli(...scanArgs([snapshot()], out, "--params", asParam)), { file: asParam, reason: /has no parameter "__proto__"/ });
  });

  it("refuses config files with __proto__ keys, at the top and in inline params", async () => {
    const top = file("top-config.yaml", "__proto__: { polluted: yes }\nformat: json\n");
    expectRefused(await cli(...scanArgs([snapshot()], out, "--config", top).filter((a) => a !== "--no-config")), { file: top, line: 1, column: 1, reason: /unknown field `__proto__`/ });
    const inline = file("inline-config.yaml", "params:\n  __proto__: { polluted: yes }\n  constructor: { prototype: { polluted: yes } }\n");
    const result = await cli(...scanArgs([snapshot()], out, "--config", inline).filter((a) => a !== "--no-config"));
    expect(strayStderr(result.stderr)).toEqual([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown policy (__proto__|constructor)/);
  });
});

describe("message templates reach own properties only", () => {
  it("renders nothing inherited and prints no Handlebars warning", async () => {
    const policy = file(
      "template.yaml",
      policyYaml(
        "CA-HST-015",
        `select: users
assert: false
message: >-
  [{{constructor}}][{{__proto__}}][{{lookup this "constructor"}}][{{constructor.name}}][{{#with constructor}}{{name}}{{/with}}]
  [{{snapshot.constructor.name}}][{{lookup snapshot "__proto__"}}][{{roles.constructor}}][{{username.constructor}}][{{toString}}]
  [{{username.toString}}][{{roles.map}}][{{snapshot.hasOwnProperty}}][{{snapshot.__defineGetter__}}]
  [{{#each this}}{{@key}}={{this}};{{/each}}] {{username}}`,
      ),
    );
    const users = file("users.yaml", snapshotYaml("tpl", "users:\n  - { id: u1, username: alice, roles: [user], status: active }\n"));
    // Handlebars warns through console.error, which the test runner would otherwise keep off stderr.
    const warned = vi.spyOn(console, "error").mockImplementation(() => undefined);
    let result: Awaited<ReturnType<typeof cli>>;
    try {
      result = await cli(...scanArgs([users], out, "--no-builtin", "--policies", policy));
      expect(warned.mock.calls.map((c) => String(c[0]))).toEqual([]);
    } finally {
      warned.mockRestore();
    }
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    const message = report().findings[0]!.message;
    // The subject's own keys and the three roots a message may use; nothing else.
    expect(message).toBe("[][][][][] [][][][][] [][][][] [id=u1;username=alice;roles=user;status=active;params=[object Object];computed=[object Object];snapshot=[object Object];] alice");
    expect(message).not.toMatch(/function|native code/i);
  });
});
