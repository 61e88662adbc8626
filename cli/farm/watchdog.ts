export interface WatchOptions {
  /** How long a health check may take. */
  timeoutMs?: number;
  /** How many checks may fail in a row before the runtime counts as frozen. */
  misses?: number;
  everyMs?: number;
}

/**
 * Local workerd enforces no CPU limit, so environment code spinning past its guards would freeze every object in
 * the process. The last line of defence: restart the runtime when it stops answering.
 */
export function watchFarm(
  url: string,
  restart: () => Promise<void>,
  { timeoutMs = 3_000, misses: allowed = 3, everyMs = 2_000 }: WatchOptions = {},
): { stop(): void } {
  let misses = 0;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
      misses = res.ok ? 0 : misses + 1;
    } catch {
      misses += 1;
    }
    if (misses >= allowed) {
      misses = 0;
      await restart().catch((err: unknown) => console.error("worldfarm: restart failed:", err));
    }
    busy = false;
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
