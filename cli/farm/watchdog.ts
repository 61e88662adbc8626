/** How long a health check may take, and how many may fail in a row, before the runtime counts as frozen. */
const TIMEOUT_MS = 3_000;
const MISSES = 3;
const EVERY_MS = 2_000;

/**
 * Local workerd enforces no CPU limit, so environment code spinning past its guards would freeze every object in
 * the process. The last line of defence: restart the runtime when it stops answering.
 */
export function watchFarm(url: string, restart: () => Promise<void>): { stop(): void } {
  let misses = 0;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      misses = res.ok ? 0 : misses + 1;
    } catch {
      misses += 1;
    }
    if (misses >= MISSES) {
      misses = 0;
      await restart().catch((err: unknown) => console.error("worldfarm: restart failed:", err));
    }
    busy = false;
  }, EVERY_MS);
  return { stop: () => clearInterval(timer) };
}
