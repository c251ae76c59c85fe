import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPERATIONS, parseDate, parseDateGeneral, parseVersion, tlsRank } from "../../src/policy/operations.js";

const asOf = Date.parse("2026-06-01T00:00:00Z");
const ctx = { asOf };
const op = (name: string, ...args: unknown[]) => OPERATIONS[name]!(ctx, ...args);

describe("dates against the evaluation clock", () => {
  it("counts days and hours since a date-time", () => {
    expect(op("days_since", "2026-05-31T00:00:00Z")).toBe(1);
    expect(op("hours_since", "2026-05-31T18:00:00Z")).toBe(6);
  });

  it("treats a plain date as midnight UTC", () => {
    expect(op("days_since", "2026-05-22")).toBe(10);
  });

  it("honours explicit time zones and treats zone-less date-times as UTC", () => {
    expect(op("hours_since", "2026-05-31T20:00:00-02:00")).toBe(2);
    expect(op("hours_since", "2026-05-31T22:00:00+0000")).toBe(2);
    expect(op("hours_since", "2026-05-31T22:00:00")).toBe(2);
  });

  it("gives negative ages for future dates and days_until for deadlines", () => {
    expect(op("days_since", "2026-06-11")).toBe(-10);
    expect(op("days_until", "2026-06-11")).toBe(10);
    expect(op("days_until", "2026-05-30")).toBe(-2);
  });

  it("answers null for missing or malformed dates instead of throwing", () => {
    for (const bad of [undefined, null, "", "yesterday", "2026-13-01", "2024-02-30", "2026-06-01T25:00:00Z", {}, [], true]) {
      expect(op("days_since", bad)).toBeNull();
      expect(op("days_until", bad)).toBeNull();
      expect(op("is_date", bad)).toBe(false);
    }
    expect(parseDate("2024-02-29")).toBe(Date.parse("2024-02-29T00:00:00Z"));
  });

  it("picks the latest well-formed date", () => {
    expect(op("latest", ["2026-01-01", "garbage", "2026-03-01T00:00:00Z", "2025-12-31"])).toBe("2026-03-01T00:00:00Z");
    expect(op("latest", [])).toBeNull();
    expect(op("latest", null)).toBeNull();
  });
});

describe("version comparison", () => {
  it("coerces calendar and Debian versions", () => {
    expect(parseVersion("23.01")?.version).toBe("23.1.0");
    expect(parseVersion("10.11")?.version).toBe("10.11.0");
    expect(parseVersion("0.12.3-1+deb12u1")?.version).toBe("0.12.3");
    expect(parseVersion("23.01-1")?.version).toBe("23.1.0");
    expect(parseVersion("10.0.0-rc1")?.version).toBe("10.0.0-rc1");
    expect(parseVersion("v1.98.0")?.version).toBe("1.98.0");
    expect(parseVersion("9.11.2 (build 123)")?.version).toBe("9.11.2");
    expect(parseVersion("not a version")).toBeNull();
    expect(parseVersion("")).toBeNull();
  });

  it("orders pre-releases before their release", () => {
    expect(op("version_lt", "10.0.0-rc1", "10.0.0")).toBe(true);
    expect(op("version_compare", "10.0.0", "10.0.0-rc1")).toBe(1);
  });

  it("compares odd spellings numerically, not as strings", () => {
    expect(op("version_lt", "9.9", "9.10")).toBe(true);
    expect(op("version_gte", "24.12", "23.01")).toBe(true);
    expect(op("version_lte", "23.01", "23.1")).toBe(true);
    expect(op("version_compare", "x", "1.0")).toBeNull();
  });

  it("counts releases behind", () => {
    expect(op("major_behind", "8.1.0", "10.2.0")).toBe(2);
    expect(op("minor_behind", "10.2.0", "10.5.1")).toBe(3);
    expect(op("minor_behind", "9.11.0", "10.5.1")).toBe(6);
    expect(op("minor_behind", "11.0.0", "10.5.1")).toBe(0);
    expect(op("patch_behind", "10.5.0", "10.5.3")).toBe(3);
    expect(op("patch_behind", "10.4.0", "10.5.3")).toBe(0);
    expect(op("major_behind", null, "1.0")).toBeNull();
  });
});

describe("URLs and hosts", () => {
  it("reads schemes and hosts", () => {
    expect(op("url_scheme", "HTTPS://chat.example.com/")).toBe("https");
    expect(op("url_scheme", "ws://x")).toBe("ws");
    expect(op("url_scheme", "chat.example.com")).toBeNull();
    expect(op("url_host", "https://[::1]:8448/x")).toBe("::1");
    expect(op("url_host", "db.internal:5432")).toBe("db.internal");
    expect(op("url_scheme_in", "wss://a", ["https", "WSS"])).toBe(true);
    expect(op("url_scheme_in", "http://a", ["https"])).toBe(false);
  });

  it("recognises loopback only for loopback", () => {
    for (const local of ["http://localhost:8065", "127.0.0.1", "http://127.10.0.1/", "[::1]:5280", "::1", "app.localhost"]) {
      expect(op("is_loopback", local), local).toBe(true);
    }
    for (const remote of ["http://chat.example.com", "0.0.0.0", "10.0.0.5", "http://128.0.0.1", "localhost.example.com"]) {
      expect(op("is_loopback", remote), remote).toBe(false);
    }
    expect(op("is_loopback", null)).toBeNull();
  });
});

describe("TLS versions", () => {
  it("normalises the spellings platforms use", () => {
    expect(tlsRank("TLSv1.2")).toBe(tlsRank("1.2"));
    expect(tlsRank("tlsv1_1")).toBe(tlsRank("1.1"));
    expect(tlsRank("1")).toBe(tlsRank("1.0"));
    expect(tlsRank("sslv3")).toBeLessThan(tlsRank("1.0")!);
    expect(tlsRank("TLS1.3")).toBeGreaterThan(tlsRank("1.2")!);
    expect(tlsRank("bogus")).toBeNull();
  });

  it("compares TLS versions", () => {
    expect(op("tls_at_least", "1.3", "1.2")).toBe(true);
    expect(op("tls_at_least", "TLSv1.1", "1.2")).toBe(false);
    expect(op("tls_compare", "1.2", "tlsv1_2")).toBe(0);
    expect(op("tls_at_least", undefined, "1.2")).toBeNull();
  });
});

describe("collections", () => {
  it("counts, intersects and divides safely", () => {
    expect(op("count", [1, 2, 3])).toBe(3);
    expect(op("count", null)).toBe(0);
    expect(op("intersects", ["system_user", "system_admin"], ["system_admin", "admin"])).toBe(true);
    expect(op("intersects", ["system_user"], ["admin"])).toBe(false);
    expect(op("ratio", 1, 4)).toBe(0.25);
    expect(op("ratio", 1, 0)).toBeNull();
    expect(op("present", "")).toBe(false);
    expect(op("present", 0)).toBe(true);
  });
});

describe("the fast date path", () => {
  it("reads every date the way the general ISO 8601 reader does", () => {
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    const spelled = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 999 }), fc.constantFrom("date", "seconds", "millis", "offset", "space"),
      )
      .map(([y, mo, d, h, mi, s, ms, form]) => {
        const date = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`;
        const time = `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
        if (form === "date") return date;
        if (form === "seconds") return `${date}T${time}Z`;
        if (form === "millis") return `${date}T${time}.${pad(ms, 3)}Z`;
        if (form === "offset") return `${date}T${time}+02:00`;
        return `${date} ${time}`;
      });
    fc.assert(
      fc.property(fc.oneof(spelled, fc.string({ maxLength: 24 })), (text) => {
        expect(parseDate(text), text).toBe(parseDateGeneral(text));
      }),
      { numRuns: 20_000, seed: 42 },
    );
  });
});
