import { join } from "node:path";
import * as esbuild from "esbuild";
import { ROOT } from "../paths.ts";

/** Bundles the Worker the way wrangler would, so Miniflare can run it without wrangler's dev proxy. */
export async function bundleWorker(outDir = join(ROOT, "dist/worker")): Promise<string> {
  const outfile = join(outDir, "index.js");
  await esbuild.build({
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
  });
  return outfile;
}
