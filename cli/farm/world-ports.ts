import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { freePort } from "./free-port.ts";

/** Where world ports are picked from when a state folder names none: below the kernel's ephemeral range. */
const LOWEST = 10_000;

/**
 * The first port the kernel hands out on its own (to a listener on port 0, and as the local port of an outgoing
 * connection); Linux's default where it cannot be read.
 */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** A listener holding `port` at `host`, or undefined when something else has it. */
function hold(host: string, port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    // Held for a world, not served: it must not keep the farm's process alive.
    server.listen({ port, host, exclusive: true }, () => resolve(server.unref()));
  });
}

const closed = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * The port of each world slot's socket, chosen when the farm starts and held by a listener of the farm's own until
 * its world starts. A world starts on first use, long after: a port picked by asking the kernel for a free one (an
 * ephemeral port) and left unbound was taken in between, now and then, by another process's listener on port 0 or
 * an outgoing connection's local port, and the world then failed to start ("Address already in use"). Ports are
 * picked below the ephemeral range, where nothing binds a port it did not ask for, and held until their world binds
 * them.
 *
 * Clients hold the MCP URLs the farm handed out (an instance's tools are served at its world), so a farm started
 * again on the same state folder takes the same ports where they are still free: an instance that outlives the
 * farm's process keeps a URL that works.
 */
export class WorldPorts {
  private readonly held = new Map<number, Server>();
  readonly ports: number[] = [];
  private readonly host: string;

  private constructor(host: string) {
    this.host = host;
  }

  static async open(cap: number, host: string, persistDir?: string): Promise<WorldPorts> {
    const file = persistDir ? join(persistDir, "worlds", "ports.json") : undefined;
    let saved: unknown = [];
    try {
      if (file && existsSync(file)) saved = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      saved = [];
    }
    const picked = new WorldPorts(host);
    const top = ephemeralStart();
    for (let i = 0; i < cap; i++) {
      const want = Array.isArray(saved) ? saved[i] : undefined;
      const candidates = [
        ...(Number.isInteger(want) && want > 0 && want < 65_536 ? [want as number] : []),
        ...Array.from({ length: 64 }, () => LOWEST + Math.floor(Math.random() * (top - LOWEST))),
      ];
      let port: number | undefined;
      for (const candidate of candidates) {
        if (picked.ports.includes(candidate)) continue;
        const server = await hold(host, candidate);
        if (!server) continue;
        picked.held.set(candidate, server);
        port = candidate;
        break;
      }
      // Every candidate taken: a free port from the kernel, unheld, as before.
      port ??= await freePort();
      picked.ports.push(port);
    }
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(picked.ports));
    }
    return picked;
  }

  /** Lets go of world `slot`'s port (numbered from 1), for its world to bind. */
  async release(slot: number): Promise<void> {
    const port = this.ports[slot - 1];
    const server = port === undefined ? undefined : this.held.get(port);
    if (!server) return;
    this.held.delete(port!);
    await closed(server);
  }

  /** Holds again every port no world listens on, once the farm's worlds have stopped (a restart). */
  async holdAll(): Promise<void> {
    for (const port of this.ports) {
      if (this.held.has(port)) continue;
      const server = await hold(this.host, port);
      if (server) this.held.set(port, server);
    }
  }

  async close(): Promise<void> {
    const servers = [...this.held.values()];
    this.held.clear();
    await Promise.all(servers.map(closed));
  }
}
