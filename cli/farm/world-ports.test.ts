import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isFree } from "./free-port.ts";
import { WorldPorts } from "./world-ports.ts";

const HOST = "127.0.0.1";
const ephemeralStart = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);

const opened: WorldPorts[] = [];
const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(cap: number, persistDir?: string) {
  const ports = await WorldPorts.open(cap, HOST, persistDir);
  opened.push(ports);
  return ports;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, HOST, () => {
      servers.push(server);
      resolve(server);
    });
  });
}

describe("world ports", () => {
  it("are picked below the ephemeral range and held until their world is let have them", async () => {
    const { ports } = await open(3);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(port).toBeLessThan(ephemeralStart);
      // What took a world's port before it started: another process binding it.
      expect(await isFree(HOST, port)).toBe(false);
    }
    await opened[0]!.release(2);
    await listen(ports[1]!);
    expect(await isFree(HOST, ports[0]!)).toBe(false);
  });

  it("are the state folder's again where they are free, and others where they are not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "worldfarm-ports-"));
    dirs.push(dir);
    const first = await open(2, dir);
    const saved = [...first.ports];
    await first.close();
    await listen(saved[1]!);
    const again = await open(2, dir);
    expect(again.ports[0]).toBe(saved[0]);
    expect(again.ports[1]).not.toBe(saved[1]);
    expect(JSON.parse(readFileSync(join(dir, "worlds", "ports.json"), "utf8"))).toEqual(again.ports);
  });

  it("are picked afresh where the state folder names ports that are not ports", async () => {
    const dir = mkdtempSync(join(tmpdir(), "worldfarm-ports-"));
    dirs.push(dir);
    mkdirSync(join(dir, "worlds"), { recursive: true });
    writeFileSync(join(dir, "worlds", "ports.json"), JSON.stringify([70_000, -1, "10001", 1.5, 0]));
    const { ports } = await open(5, dir);
    expect(new Set(ports).size).toBe(5);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralStart);
      expect(await isFree(HOST, port)).toBe(false);
    }
  });

  it("are held again after their worlds stopped, and let go of when the farm closes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "worldfarm-ports-"));
    dirs.push(dir);
    mkdirSync(join(dir, "worlds"), { recursive: true });
    writeFileSync(join(dir, "worlds", "ports.json"), "not json");
    const ports = await open(1, dir);
    await ports.release(1);
    expect(await isFree(HOST, ports.ports[0]!)).toBe(true);
    await ports.holdAll();
    expect(await isFree(HOST, ports.ports[0]!)).toBe(false);
    await ports.close();
    expect(await isFree(HOST, ports.ports[0]!)).toBe(true);
  });
});
