import { FarmError } from "../shared/errors.ts";
import type { BundleUpload } from "../shared/manifest.ts";
import { describeEnv, type EnvDescription } from "./sdk/describe.ts";
import { prepareBundle } from "./loader/bundle-prepare.ts";
import { loadBundle } from "./runtime/loader-config.ts";
import { runtimeMode } from "./runtime/world-class.ts";
import { staticEnvs } from "./runtime/static-envs.ts";

/** A bundle's id: the SHA-256 of its module, in hex. */
export async function sha256hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function stable(d: { name: string; description: string; tools: unknown; tasks: unknown }): string {
  return JSON.stringify({ name: d.name, description: d.description, tools: d.tools, tasks: d.tasks });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The farm's own guards and per-world wrapper over every line of the bundle, whoever built it and however. */
function prepare(module: string): string {
  try {
    return prepareBundle(module);
  } catch (err) {
    throw new FarmError("invalid_bundle", 400, `the bundle does not load: ${message(err)}`);
  }
}

/** Loads the bundle where it would run and asks it to describe itself: a bundle that cannot load is refused here. */
async function describeBundle(env: Env, bundleId: string, prepared: string): Promise<EnvDescription> {
  const worker = loadBundle(env, bundleId, prepared);
  try {
    const entry = worker.getEntrypoint<never>("Describe") as unknown as { describe(): Promise<EnvDescription> };
    return await entry.describe();
  } catch (err) {
    throw new FarmError("invalid_bundle", 400, `the bundle does not load: ${message(err)}`);
  }
}

/** Checks an upload and returns the module to store: the bundle as the farm prepared it (static mode: as sent). */
export async function checkBundle(env: Env, name: string, upload: BundleUpload): Promise<string> {
  const { manifest } = upload;
  if (manifest.name !== name)
    throw new FarmError("name_mismatch", 400, `the manifest names "${manifest.name}", the URL "${name}"`);
  const digest = await sha256hex(upload.module);
  if (digest !== manifest.bundleId)
    throw new FarmError("bundle_id_mismatch", 400, `bundleId must be the sha256 of the module (${digest})`);
  let described: EnvDescription;
  let stored = upload.module;
  if (runtimeMode(env) === "static") {
    const def = staticEnvs[manifest.name];
    if (!def)
      throw new FarmError(
        "not_compiled_in",
        400,
        `static mode runs only environments compiled into the Worker (${Object.keys(staticEnvs).join(", ")}); "${manifest.name}" is not one`,
      );
    described = describeEnv(def);
  } else {
    stored = prepare(upload.module);
    described = await describeBundle(env, manifest.bundleId, stored);
  }
  if (stable(described) !== stable(manifest)) {
    const mode =
      runtimeMode(env) === "static"
        ? "the environment compiled into this Worker (rebuild and redeploy it)"
        : "what the bundle says of itself";
    throw new FarmError("manifest_mismatch", 400, `manifest.json does not match ${mode}`);
  }
  return stored;
}
