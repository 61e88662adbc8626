import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { BundleManifest } from "../../workers/shared/manifest.ts";

import { ROOT } from "../paths.ts";
import { zodNamespace } from "./zod-namespace.ts";

const SDK = join(ROOT, "workers/env-host/sdk");

/**
 * `worldfarm/sdk` is the SDK of the farm doing the build, wherever the environment folder is: a folder outside this
 * repository needs no node_modules of its own to be built.
 */
const sdkPackage: esbuild.Plugin = {
  name: "worldfarm-sdk",
  setup(build) {
    build.onResolve({ filter: /^worldfarm\/sdk$/ }, () => ({ path: join(SDK, "index.ts") }));
  },
};

export interface BuiltBundle {
  manifest: BundleManifest;
  module: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function bundleWorker(envDir: string): Promise<string> {
  const entry = [
    `import def from ${JSON.stringify(join(envDir, "index.ts"))};`,
    `import { bundleExports } from ${JSON.stringify(join(SDK, "bundle-entry.ts"))};`,
    `export default bundleExports(def);`,
  ].join("\n");
  // No guards here: the farm instruments every bundle itself at upload (workers/env-host/loader/bundle-prepare.ts).
  const out = await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: "bundle-entry.js", loader: "js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    minifySyntax: true,
    minifyWhitespace: true,
    // No keepNames: its `__name` call on every function and class made each world's start (zod's classes above
    // all) 40 % slower, and a world starts for every rollout. Identifiers are not minified, so names stay as
    // written but where two modules of the bundle declare the same one.
    legalComments: "none",
    write: false,
    logLevel: "silent",
    plugins: [sdkPackage, zodNamespace(SDK)],
  });
  return out.outputFiles[0]!.text;
}

/** The manifest comes from the environment's own definition, evaluated once in Node. */
async function describe(envDir: string): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), "worldfarm-describe-"));
  try {
    const file = join(dir, "describe.mjs");
    await esbuild.build({
      stdin: {
        contents: `import def from ${JSON.stringify(join(envDir, "index.ts"))};\nimport { describeEnv } from ${JSON.stringify(join(SDK, "describe.ts"))};\nexport default { ...describeEnv(def), schema: def.schema };`,
        resolveDir: ROOT,
        loader: "js",
      },
      bundle: true,
      format: "esm",
      platform: "node",
      outfile: file,
      logLevel: "silent",
      plugins: [sdkPackage, zodNamespace(SDK)],
    });
    return (await import(pathToFileURL(file).href)).default;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function buildEnv(dir: string): Promise<BuiltBundle> {
  const envDir = resolve(dir);
  const [module, described] = await Promise.all([bundleWorker(envDir), describe(envDir)]);
  const { schema, ...info } = described as { schema: string } & Record<string, unknown>;
  const manifest = BundleManifest.parse({
    format: "worldfarm.bundle.v1",
    ...info,
    bundleId: sha256(module),
    schemaHash: sha256(String(schema)),
  });
  if (manifest.name !== basename(envDir)) {
    throw new Error(`${dir}: the folder is named "${basename(envDir)}" but the environment "${manifest.name}"`);
  }
  return { manifest, module };
}

/** Writes dist/envs/<name>/bundle.js and manifest.json. */
export async function writeBundle(bundle: BuiltBundle, outRoot = join(ROOT, "dist/envs")): Promise<string> {
  const out = join(outRoot, bundle.manifest.name);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "bundle.js"), bundle.module);
  await writeFile(join(out, "manifest.json"), JSON.stringify(bundle.manifest, null, 2) + "\n");
  return out;
}
