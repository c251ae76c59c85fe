// Bundled messages compiled at build time render exactly as Handlebars compiling them at scan time would.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPrecompiledMessage, messageTemplate } from "../../src/policy/compile.js";
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
