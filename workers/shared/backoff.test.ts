import { describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter } from "./backoff.ts";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("backoffDelay", () => {
  it("doubles its ceiling per retry up to the cap, full jitter spanning [0, ceiling)", () => {
    const top = (attempt: number) => backoffDelay(attempt, { baseMs: 100, capMs: 1_000, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 10].map(top)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, { baseMs: 100, capMs: 1_000, random: () => 0 })).toBe(0);
  });

  it("waits at least half the ceiling with equal jitter", () => {
    expect(backoffDelay(2, { baseMs: 100, capMs: 10_000, jitter: "equal", random: () => 0 })).toBe(200);
    expect(backoffDelay(2, { baseMs: 100, capMs: 10_000, jitter: "equal", random: () => 0.5 })).toBe(300);
  });

  it("treats a negative attempt as the first retry and never overflows on a huge one", () => {
    expect(backoffDelay(-3, { baseMs: 100, capMs: 1_000, random: () => 0.5 })).toBe(50);
    expect(backoffDelay(5_000, { baseMs: 100, capMs: 1_000, random: () => 0.5 })).toBe(500);
  });

  it("lets the server's retry-after win, bounded by the cap", () => {
    expect(backoffDelay(0, { baseMs: 100, capMs: 5_000, random: () => 0.5 }, 2_000)).toBe(2_000);
    expect(backoffDelay(0, { baseMs: 100, capMs: 5_000, random: () => 0.5 }, 0)).toBe(0);
    expect(backoffDelay(0, { baseMs: 100, capMs: 5_000 }, 3_600_000)).toBe(5_000);
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds, decimals included", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter("120", NOW)).toBe(120_000);
    expect(parseRetryAfter(" 2 ", NOW)).toBe(2_000);
    expect(parseRetryAfter("1.5", NOW)).toBe(1_500);
    // Digits are seconds, though Date.parse would read them as a year.
    expect(parseRetryAfter("2030", NOW)).toBe(2_030_000);
  });

  it("reads an HTTP date as the time left until it, and a past date as 0", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", NOW)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", NOW)).toBe(0);
  });

  it("says nothing for an absent or empty header", () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter("   ", NOW)).toBeUndefined();
  });

  it.each([
    ["a negative number", "-5"],
    ["a signed number", "+5"],
    ["an exponent", "1e9"],
    ["hex", "0x10"],
    ["Infinity", "Infinity"],
    ["NaN", "NaN"],
    ["an ISO date, which HTTP does not send", "2030-01-01T00:00:00Z"],
    ["two values", "5, 6"],
    ["words", "soon please"],
    ["a date-like lie", "Mon, 99 Foo 2026 99:99:99 GMT"],
    ["control characters", "\u0000\u0007"],
  ])("ignores %s", (_what, header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });

  it("bounds an absurd number of seconds to a finite wait that backoffDelay then caps", () => {
    const ms = parseRetryAfter("9".repeat(400), NOW)!;
    expect(Number.isFinite(ms)).toBe(true);
    expect(backoffDelay(0, { baseMs: 100, capMs: 30_000 }, ms)).toBe(30_000);
  });
});
