import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on `port` at `host` now. */
export function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Waits, up to `timeoutMs`, until nothing listens on `port`: a workerd that Miniflare was told to dispose of can
 * outlive the promise by a moment, still holding its socket, and a farm started again on the same port would fail.
 */
export async function untilFree(host: string, port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isFree(host, port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}
