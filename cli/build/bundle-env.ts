import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { BundleManifest } from "../../workers/shared/manifest.ts";
import { instrumentGuards } from "./guard-instrument.ts";

import { ROOT } from "../paths.ts";
const SDK = join(ROOT, "workers/env-host/sdk");

export interface BuiltBundle {
  manifest: BundleManifest;
  module: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Every file of the environment itself gets loop and recursion guards; the SDK and zod are trusted. */
function guardPlugin(envDir: string): esbuild.Plugin {
  return {
    name: "worldfarm-guards",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (!args.path.startsWith(envDir + "/")) return undefined;
        const source = await readFile(args.path, "utf8");
        const js = await esbuild.transform(source, { loader: args.path.endsWith("js") ? "js" : "ts", format: "esm", sourcefile: args.path });
        return { contents: instrumentGuards(js.code, join(SDK, "guard.ts")), loader: "js", resolveDir: resolve(args.path, "..") };
      });
    },
  };
}

async function bundleWorker(envDir: string): Promise<string> {
  const entry = [
    `import def from ${JSON.stringify(join(envDir, "index.ts"))};`,
    `import { bundleExports } from ${JSON.stringify(join(SDK, "bundle-entry.ts"))};`,
    `const exported = bundleExports(def);`,
    `export const World = exported.World;`,
    `export const Describe = exported.Describe;`,
    `export default { fetch: () => new Response("a worldfarm bundle answers RPC only", { status: 404 }) };`,
  ].join("\n");
  const out = await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: "bundle-entry.js", loader: "js" },
    bundle: true, format: "esm", platform: "browser", conditions: ["workerd", "worker", "browser"],
    target: "es2022", external: ["cloudflare:*"], minifySyntax: true, minifyWhitespace: true, keepNames: true,
    legalComments: "none", write: false, plugins: [guardPlugin(envDir)], logLevel: "silent",
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
        resolveDir: ROOT, loader: "js",
      },
      bundle: true, format: "esm", platform: "node", outfile: file, logLevel: "silent",
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
    format: "worldfarm.bundle.v1", ...info, bundleId: sha256(module), schemaHash: sha256(String(schema)),
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
