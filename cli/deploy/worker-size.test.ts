import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { LIMITS, measureWorker, oversize } from "./worker-size.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("counts the uploaded modules, not source maps, and refuses a Worker past the gzipped limit", async () => {
  dir = await mkdtemp(join(tmpdir(), "worldfarm-size-"));
  // Random bytes do not compress: 3.5 MiB of them is past 3 MiB gzipped.
  await writeFile(join(dir, "index.js"), randomBytes(3.5 * 1024 * 1024));
  await writeFile(join(dir, "index.js.map"), randomBytes(8 * 1024 * 1024));
  const size = measureWorker(dir);
  expect(size.rawBytes).toBe(3.5 * 1024 * 1024);
  expect(size.gzipBytes).toBeGreaterThan(LIMITS.gzipBytes);
  expect(oversize(size)).toMatch(/gzipped, over the 3072 KiB/);
  await writeFile(join(dir, "index.js"), "export default {};\n".repeat(10_000));
  expect(oversize(measureWorker(dir))).toBeUndefined();
});
