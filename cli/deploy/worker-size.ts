/**
 * Builds the Worker as `wrangler deploy` would (`--dry-run --outdir`, no account needed) and fails when it outgrows
 * what Cloudflare accepts. Run by .ci/run and by `npm run deploy` before it uploads.
 *
 * Limits, as Cloudflare's Workers limits page gives them (developers.cloudflare.com/workers/platform/limits,
 * "Worker size"): 3 MB on Workers Free and 10 MB on Workers Paid, measured after compression; the page as
 * revised in 2026 lists 64 MiB on both plans. The check holds the build to the strictest: 3 MiB gzipped.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const LIMITS = { gzipBytes: 3 * 1024 * 1024, rawBytes: 64 * 1024 * 1024 };

export interface WorkerSize {
  rawBytes: number;
  gzipBytes: number;
}

/** The modules wrangler would upload (source maps and its README stay behind), raw and gzipped. */
export function measureWorker(outdir: string): WorkerSize {
  const modules = readdirSync(outdir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && /\.(m?js|cjs|wasm)$/.test(f.name))
    .map((f) => readFileSync(join(f.parentPath, f.name)));
  return {
    rawBytes: modules.reduce((n, m) => n + m.byteLength, 0),
    gzipBytes: modules.reduce((n, m) => n + gzipSync(m, { level: 9 }).byteLength, 0),
  };
}

/** Why a Worker of this size would be refused, or undefined when it fits. */
export function oversize(size: WorkerSize): string | undefined {
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  if (size.gzipBytes > LIMITS.gzipBytes)
    return `the Worker is ${kib(size.gzipBytes)} gzipped, over the ${kib(LIMITS.gzipBytes)} Cloudflare accepts on the Free plan`;
  if (size.rawBytes > LIMITS.rawBytes)
    return `the Worker is ${kib(size.rawBytes)}, over the ${kib(LIMITS.rawBytes)} Cloudflare accepts`;
  return undefined;
}

function main(): number {
  const outdir = mkdtempSync(join(tmpdir(), "worldfarm-worker-"));
  try {
    execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", outdir], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    const size = measureWorker(outdir);
    const problem = oversize(size);
    console.log(
      `worker size: ${(size.rawBytes / 1024).toFixed(0)} KiB, ${(size.gzipBytes / 1024).toFixed(0)} KiB gzipped (limit ${LIMITS.gzipBytes / 1024} KiB gzipped)`,
    );
    if (problem) console.error(`worker size: ${problem}`);
    return problem ? 1 : 0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
