import { relative, resolve } from "node:path";
import { buildEnv, writeBundle } from "../build/bundle-env.ts";
import { UsageError, type Command } from "./command.ts";
import { envDirs } from "./env-dirs.ts";

export const build: Command = {
  summary: "bundle environment folders into <out>/<name>/ (bundle.js + manifest.json; out: dist/envs)",
  usage:
    "worldfarm build [<dir> ...] [--out DIR] [--json]\n\n" +
    "Bundles each environment folder (all of envs/ when none is named), from anywhere: `worldfarm/sdk` is this\n" +
    "farm's SDK. Writes DIR/<name>/bundle.js and manifest.json (DIR defaults to dist/envs).",
  options: { out: { type: "string" }, json: { type: "boolean" } },
  async run(values, positionals) {
    if (values.out === "") throw new UsageError("--out needs a folder");
    const outRoot = typeof values.out === "string" ? resolve(values.out) : undefined;
    const results = [];
    for (const dir of await envDirs(positionals)) {
      const bundle = await buildEnv(dir);
      const out = await writeBundle(bundle, outRoot);
      results.push({
        name: bundle.manifest.name,
        bundleId: bundle.manifest.bundleId,
        bytes: bundle.module.length,
        out: relative(process.cwd(), out),
      });
    }
    if (values.json) console.log(JSON.stringify(results, null, 2));
    else
      for (const r of results)
        console.log(`${r.name.padEnd(12)} ${r.bundleId.slice(0, 12)}  ${(r.bytes / 1024).toFixed(0)} KiB  ${r.out}`);
    return 0;
  },
};
