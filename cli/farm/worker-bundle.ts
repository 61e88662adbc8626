import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { ROOT } from "../paths.ts";

/**
 * Bundles the Worker the way wrangler would, so Miniflare can run it without wrangler's dev proxy. Every farm builds
 * it at start into the same place, and workerd reads it again whenever a world starts or restarts: each file is
 * written beside its final name and renamed into place, so a workerd starting while another farm builds reads a
 * whole bundle, never one half written (which exports no Durable Object classes).
 */
export async function bundleWorker(outDir = join(ROOT, "dist/worker")): Promise<string> {
  const outfile = join(outDir, "index.js");
  const built = await esbuild.build({
    entryPoints: [join(ROOT, "workers/index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    external: ["cloudflare:*", "node:*"],
    logLevel: "silent",
    sourcemap: "linked",
    write: false,
  });
  await mkdir(outDir, { recursive: true });
  for (const file of built.outputFiles) {
    const partial = `${file.path}.${process.pid}-${randomBytes(4).toString("hex")}.partial`;
    await writeFile(partial, file.contents);
    await rename(partial, file.path);
  }
  return outfile;
}
