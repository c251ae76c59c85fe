// Bundled messages compiled at build time render exactly as Handlebars compiling them at scan time would, also
// without Handlebars' per-call setup.

import fc from "fast-check";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  isPrecompiledMessage, isSetupFree, MESSAGE_COMPILE_OPTIONS, messageTemplate, rendersWithoutSetup, templateFromSpec,
} from "../../src/policy/compile.js";
import { loadPolicies } from "../../src/policy/load.js";

const value = fc.oneof(
  fc.string(), fc.integer(), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null), fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

describe("precompiled message templates", () => {
  it("cover every bundled policy and render as the compiler does, for any values", async () => {
    const { policies } = await loadPolicies({ precompiled: false });
    expect(policies.length).toBeGreaterThan(50);
    for (const { policy } of policies) {
      expect(isPrecompiledMessage(policy.message), policy.id).toBe(true);
      const built = messageTemplate(policy.message);
      const compiled = messageTemplate(policy.message, "compiler");
      // The names the message reads, at the top level and under computed/params/snapshot, filled with arbitrary values.
      const names = [...policy.message.matchAll(/\{\{[#/]?(?:if |unless |round |percent |join )?([\w.]+)/g)].map((m) => m[1]!);
      fc.assert(
        fc.property(fc.array(value, { minLength: names.length, maxLength: names.length }), (values) => {
          const context: Record<string, unknown> = { computed: {}, params: {}, snapshot: {} };
          names.forEach((name, i) => {
            const parts = name.split(".");
            let at = context;
            for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
            at[parts.at(-1)!] = values[i];
          });
          expect(built(context)).toBe(compiled(context));
        }),
        { numRuns: 40, seed: 11 },
      );
    }
  });

  it("compile an edited message at scan time, and keep inherited properties out of reach", () => {
    const edited = "Edited: {{name}} {{constructor}} {{name.length}}";
    expect(isPrecompiledMessage(edited)).toBe(false);
    expect(messageTemplate(edited)({ name: "alice" })).toBe("Edited: alice  5");
  });
});

describe("rendering without Handlebars' per-call setup", () => {
  const handlebars = createRequire(import.meta.url)("handlebars") as typeof import("handlebars");
  /** A message compiled as the build compiles it, as the template specification the build writes. */
  const specOf = (message: string) => new Function(`return ${handlebars.precompile(message, MESSAGE_COMPILE_OPTIONS)}`)() as TemplateSpecification;

  it("is what every bundled message gets", async () => {
    const { policies } = await loadPolicies({ precompiled: false });
    const fast = policies.filter(({ policy }) => rendersWithoutSetup(policy.message));
    for (const { policy } of policies) expect(rendersWithoutSetup(policy.message), policy.id).toBe(isSetupFree(policy.message));
    expect(fast.length).toBe(policies.length);
  });

  it("is allowed only for text, lookups of the current context and the if, unless, round, percent and join helpers", () => {
    for (const message of [
      "plain text",
      "{{username}} ({{join roles}}) idle {{round computed.idleDays 1}} days, {{percent computed.share}}",
      "{{#if mfa}}with{{else}}without{{/if}} MFA {{#unless bot}}(a person){{/unless}} {{round (percent x) 2}}",
      "{{! a comment }}{{snapshot.metadata.name}} {{this}}",
    ]) {
      expect(isSetupFree(message), message).toBe(true);
    }
    for (const message of [
      "{{#each roles}}{{this}}{{/each}}",
      "{{lookup . 'name'}}",
      "{{lookup}}",
      "{{@root.name}}",
      "{{#if a}}{{../b}}{{/if}}",
      "{{> partial}}",
      "{{#roles}}x{{/roles}}",
      "{{#with user as |u|}}{{u.name}}{{/with}}",
      "{{log name}}",
      "{{unknown name}}",
      "{{#if a}}unclosed",
    ]) {
      expect(isSetupFree(message), message).toBe(false);
    }
  });

  it("renders every template and context, hostile ones included, exactly as the standard way and the compiler do", () => {
    const templates = [
      "{{constructor}}|{{__proto__}}|{{name.constructor}}|{{name.length}}|{{toString}}|{{hasOwnProperty}}",
      "{{#if constructor}}has{{else}}none{{/if}} {{#unless __proto__}}no-proto{{/unless}} {{round constructor}} {{join __proto__}}",
      "{{a.__proto__.polluted}} {{a.constructor.prototype}} {{missing}} {{missing.deeper}} {{percent missing}}",
      "{{username}} ({{join roles}}) {{round computed.idleDays}} {{round computed.idleDays 2}} {{percent computed.share}}",
    ];
    const contexts: Record<string, unknown>[] = [
      {},
      { username: "alice", roles: ["admin", "<b>"], computed: { idleDays: 12.345, share: 0.0712 }, name: "n" },
      JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": "own", "a": {"__proto__": {"polluted": "yes"}}}') as Record<string, unknown>,
      { constructor: () => "called", toString: "own text", name: ["x"], roles: "not a list", computed: { idleDays: "12" } },
      { username: null, roles: null, computed: null, a: null },
    ];
    for (const template of templates) {
      expect(isSetupFree(template), template).toBe(true);
      const spec = specOf(template);
      const fast = templateFromSpec(spec, true);
      const standard = templateFromSpec(spec, false);
      const compiled = messageTemplate(template, "compiler");
      for (const context of contexts) {
        const expected = compiled(context);
        expect(standard(context)).toBe(expected);
        expect(fast(context)).toBe(expected);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
