import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay } from "../../workers/shared/backoff.ts";
import { HttpError } from "../errors.ts";

export interface RetryOptions {
  retries?: number;
  baseMs?: number;
  maxMs?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Rate limits, timeouts, server errors and dropped connections pass; a 4xx about the request itself does not. */
export function retryable(err: unknown): boolean {
  if (err instanceof HttpError)
    return err.status === 408 || err.status === 409 || err.status === 429 || err.status >= 500;
  return err instanceof TypeError || (err instanceof Error && err.name === "TimeoutError");
}

/** Exponential backoff with jitter, honouring the server's retry-after when it gives one. */
export async function withRetries<T>(
  fn: () => Promise<T>,
  { retries = 4, baseMs = 500, maxMs = 30_000, onRetry }: RetryOptions = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= retries || !retryable(err)) throw err;
      const delay = backoffDelay(
        attempt,
        { baseMs, capMs: maxMs, jitter: "equal" },
        err instanceof HttpError ? err.retryAfterMs : undefined,
      );
      onRetry?.(err, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
