/**
 * Every retry delay the farm, its clients and synth wait: exponential backoff with jitter, and the server's own
 * `retry-after` when it gives one. Runs in workerd and Node alike (no imports).
 */
export interface Backoff {
  /** The first retry's ceiling; it doubles per retry up to `capMs`. */
  baseMs: number;
  capMs: number;
  /**
   * "full": uniform in [0, ceiling], so many callers that failed together spread out (AWS's full jitter).
   * "equal": uniform in [ceiling/2, ceiling], for a caller that must also wait at least half the ceiling
   * (a webhook receiver coming back should not be hit at once).
   */
  jitter?: "full" | "equal";
  /** Uniform in [0, 1); the orchestrator passes a seeded one so a batch's retries replay. */
  random?: () => number;
}

/**
 * How long to wait before retry number `attempt` (0 for the first retry). A `retry-after` the server sent wins,
 * bounded by `capMs`: a server that asks for an hour does not hold a caller past the longest wait it would choose.
 */
export function backoffDelay(
  attempt: number,
  { baseMs, capMs, jitter = "full", random = Math.random }: Backoff,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined) return Math.min(capMs, retryAfterMs);
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  const floor = jitter === "equal" ? ceiling / 2 : 0;
  return Math.floor(floor + random() * (ceiling - floor));
}

/**
 * A `retry-after` header in milliseconds: delay-seconds (RFC 9110 says digits; a decimal is read too) or an HTTP
 * date; undefined when absent or unreadable, so the caller falls back to its own backoff. A date in the past is 0.
 */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.min(Number.MAX_SAFE_INTEGER, Number(value) * 1000);
  // Date.parse also reads bare numbers, signs and years ("-1", "2026"): only a value naming a weekday or month is a date.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
