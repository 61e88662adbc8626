/**
 * The AWM-style baseline the benchmarks compare the farm with: bench/awm_baseline/server.py (FastAPI + SQLAlchemy
 * over SQLite, one process per world), seeded with a farm instance's own rows so both serve the same data.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "../cli/farm/free-port.ts";
import { ROOT } from "../cli/paths.ts";

/** Debian's python3 has the apt-installed fastapi/uvicorn/sqlalchemy; pyenv's does not. */
export const PYTHON = "/usr/bin/python3";

export interface TableSeed {
  columns: string[];
  rows: unknown[][];
}

/** The farm's state route, normalised to columns + row arrays for the Python seeder. */
export async function exportTable(farm: Farm, id: string, table: string): Promise<TableSeed> {
  const res = await farm.request<{ columns?: string[]; rows: (Record<string, unknown> | unknown[])[] }>(
    "GET",
    `/v1/instances/${id}/state?table=${table}&limit=1000`,
  );
  const first = res.rows[0];
  if (first && !Array.isArray(first)) {
    const columns = res.columns ?? Object.keys(first);
    return { columns, rows: res.rows.map((r) => columns.map((c) => (r as Record<string, unknown>)[c])) };
  }
  return { columns: res.columns!, rows: res.rows as unknown[][] };
}

/** Starts the baseline on a free port with `seed` ({schema, tables}) and waits until it answers. */
export async function startAwm(
  dir: string,
  seed: { schema: string; tables: Record<string, TableSeed> },
): Promise<{ url: string; proc: ChildProcess }> {
  const seedPath = join(dir, "seed.json");
  await writeFile(seedPath, JSON.stringify(seed));
  const port = await freePort();
  const server = join(ROOT, "bench/awm_baseline/server.py");
  const proc = spawn(PYTHON, [server, "--db", join(dir, "world.db"), "--seed", seedPath, "--port", String(port)], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`the AWM baseline exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, proc };
    } catch {}
    await sleep(100);
  }
  proc.kill();
  throw new Error("the AWM baseline did not start within 10 s");
}
