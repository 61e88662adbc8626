import { UsageError } from "./command.ts";

const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** A duration as people write one on a command line: 90s, 30m, 12h, 2d. Returns seconds. */
export function parseDuration(option: string, raw: string | boolean | undefined): number {
  const match = typeof raw === "string" ? /^(\d+)([smhd])$/.exec(raw.trim()) : null;
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : 0;
  if (!match || seconds <= 0 || !Number.isSafeInteger(seconds)) {
    throw new UsageError(
      `--${option} takes a duration such as 30m, 12h or 2d (s, m, h, d), not "${String(raw ?? "")}"`,
    );
  }
  return seconds;
}
