import { relative } from "node:path";
import { buildEnv, writeBundle } from "../build/bundle-env.ts";
import type { Command } from "./command.ts";
import { envDirs } from "./env-dirs.ts";

export const build: Command = {
  summary: "bundle environments into dist/envs/<name>/ (bundle.js + manifest.json)",
  usage: "worldfarm build [envs/<name> ...] [--json]\n\nBundles each environment folder (all of envs/ when none is named).",
  options: { json: { type: "boolean" } },
  async run(values, positionals) {
    const results = [];
    for (const dir of await envDirs(positionals)) {
      const bundle = await buildEnv(dir);
      const out = await writeBundle(bundle);
      results.push({ name: bundle.manifest.name, bundleId: bundle.manifest.bundleId, bytes: bundle.module.length, out: relative(process.cwd(), out) });
    }
    if (values.json) console.log(JSON.stringify(results, null, 2));
    else for (const r of results) console.log(`${r.name.padEnd(12)} ${r.bundleId.slice(0, 12)}  ${(r.bytes / 1024).toFixed(0)} KiB  ${r.out}`);
    return 0;
  },
};
