import { describe, expect, it } from "vitest";
import { UsageError } from "./command.ts";
import { parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  it("reads seconds, minutes, hours and days", () => {
    expect(parseDuration("older-than", "45s")).toBe(45);
    expect(parseDuration("older-than", "30m")).toBe(1_800);
    expect(parseDuration("older-than", "12h")).toBe(43_200);
    expect(parseDuration("older-than", "2d")).toBe(172_800);
  });

  it.each(["", "2", "2w", "-1d", "0d", "1.5h", "d", "2 d 3h", "99999999999999999d"])(
    "refuses %j with a usage error naming the option",
    (raw) => {
      expect(() => parseDuration("older-than", raw)).toThrow(UsageError);
      expect(() => parseDuration("older-than", raw)).toThrow(/--older-than takes a duration such as 30m, 12h or 2d/);
    },
  );

  it("refuses a missing value", () => {
    expect(() => parseDuration("older-than", undefined)).toThrow(UsageError);
  });
});
