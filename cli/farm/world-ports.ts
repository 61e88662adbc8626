import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { freePort, isFree } from "./free-port.ts";

/**
 * The port of each world slot's socket, chosen when the farm starts. Clients hold the MCP URLs the farm handed out
 * (an instance's tools are served at its world), so a farm started again on the same state folder takes the same
 * ports where they are still free: an instance that outlives the farm's process keeps a URL that works.
 */
export async function worldPorts(cap: number, host: string, persistDir?: string): Promise<number[]> {
  const file = persistDir ? join(persistDir, "worlds", "ports.json") : undefined;
  let saved: unknown = [];
  try {
    if (file && existsSync(file)) saved = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    saved = [];
  }
  const ports: number[] = [];
  for (let i = 0; i < cap; i++) {
    const want = Array.isArray(saved) ? saved[i] : undefined;
    const reusable =
      Number.isInteger(want) && want > 0 && want < 65_536 && !ports.includes(want) && (await isFree(host, want));
    let port = reusable ? (want as number) : await freePort();
    while (ports.includes(port)) port = await freePort();
    ports.push(port);
  }
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(ports));
  }
  return ports;
}
