/**
 * How long to wait before retry number `attempt` (0 for the first retry).
 * Full jitter (uniform in [0, min(cap, base·2^attempt)]) keeps many rollouts that failed together from retrying together.
 * A server's own `retry-after` wins: it knows when it will have room again.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** A `retry-after` header in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
