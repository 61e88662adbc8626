import type { BundleManifest } from "../shared/manifest.ts";
import { decodeFarmError, FarmError } from "../shared/errors.ts";
import { plainResults } from "../shared/received.ts";
import { prepareBundle, upgradePrepared } from "./loader/bundle-prepare.ts";

/** Bundles are immutable, so what an isolate has read once it may keep. */
const modules = new Map<string, Promise<string>>();
const manifests = new Map<string, Promise<BundleManifest>>();

/** The registry (reached from world processes too: see plainResults). */
export function registry(env: Env) {
  return plainResults(env.REGISTRY.getByName("registry"));
}

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let hit = cache.get(key);
  if (!hit) {
    hit = load().catch((err: unknown) => {
      cache.delete(key);
      throw decodeFarmError(err) ?? err;
    });
    cache.set(key, hit);
  }
  return hit;
}

/** The module as the farm prepared it at upload; one stored before the farm prepared bundles is prepared here. */
export function loadPreparedModule(env: Env, bundleId: string): Promise<string> {
  return cached(modules, bundleId, async () => {
    const stored = await registry(env).module(bundleId);
    const prepared = upgradePrepared(stored);
    if (prepared !== undefined) return prepared;
    try {
      return prepareBundle(stored);
    } catch (err) {
      throw new FarmError(
        "invalid_bundle",
        400,
        `bundle ${bundleId} was uploaded before the farm prepared bundles itself and cannot be prepared now (${err instanceof Error ? err.message : String(err)}): rebuild it and upload it again`,
      );
    }
  });
}

export function loadManifest(env: Env, bundleId: string): Promise<BundleManifest> {
  return cached(manifests, bundleId, async () => (await registry(env).manifest(bundleId)) as BundleManifest);
}

export async function currentManifest(env: Env, name: string): Promise<BundleManifest> {
  let bundleId: string;
  try {
    bundleId = await registry(env).currentId(name);
  } catch (err) {
    throw decodeFarmError(err) ?? err;
  }
  return loadManifest(env, bundleId);
}
