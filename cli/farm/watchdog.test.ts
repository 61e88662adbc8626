import { createServer, type Server } from "node:http";
import { afterEach, expect, it } from "vitest";
import { watchFarm } from "./watchdog.ts";

let server: Server | undefined;
afterEach(() => server?.close());

/** A stand-in runtime whose health check can freeze, the way workerd does when a facet spins. */
async function runtime() {
  const state = { frozen: false, restarts: 0 };
  server = createServer((req, res) => {
    if (state.frozen) return; // never answers
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { state, url: `http://127.0.0.1:${port}` };
}

it("restarts a runtime that stops answering, once, and then leaves it be", async () => {
  const { state, url } = await runtime();
  const watch = watchFarm(url, async () => {
    state.restarts += 1;
    state.frozen = false;
  }, { timeoutMs: 100, misses: 2, everyMs: 50 });
  await new Promise((r) => setTimeout(r, 300));
  expect(state.restarts).toBe(0);
  state.frozen = true;
  await expect.poll(() => state.restarts, { timeout: 3_000, interval: 50 }).toBe(1);
  await new Promise((r) => setTimeout(r, 400));
  expect(state.restarts).toBe(1);
  watch.stop();
});
