import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT } from "../paths.ts";
import { allowedHosts, newAdminToken, stateAdminToken } from "./access.ts";
import { bundleWorker } from "./worker-bundle.ts";
import { removeEmptyObjects } from "./empty-objects.ts";

/**
 * Miniflare as wrangler ships it, so `npm start` runs the same workerd that `wrangler dev` would. Loaded on first
 * use: the two take seconds to import, which every CLI command that never starts a farm would otherwise pay.
 */
async function runtime() {
  const fromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler"));
  const { Miniflare, convertV4MiniflareOptions } = (await import(fromWrangler.resolve("miniflare"))) as typeof import("miniflare");
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  return { Miniflare, convertV4MiniflareOptions, unstable_getMiniflareWorkerOptions };
}

export interface LocalFarmOptions {
  port: number;
  host?: string;
  /** Where Durable Object state lives between runs; omit for a throwaway farm. */
  persistDir?: string;
  /** FARM_ADMIN_TOKEN among them wins; without it the farm gets the state folder's own token (or a fresh one). */
  vars?: Record<string, string>;
  /** Opens workerd's V8 inspector on this port, for profiling. */
  inspectorPort?: number;
}

export interface LocalFarm {
  url: URL;
  /** The admin token every admin route needs. */
  token: string;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * The Worker in local workerd through Miniflare's API, on workerd's own socket and without local observability:
 * the dev proxy in front of `wrangler dev` and its tail consumer cost more than the farm's own work. Clients reach
 * the Worker on a direct socket, skipping Miniflare's entry and asset router (~0.3 ms a request); the Worker serves
 * the dashboard's files itself through its ASSETS binding.
 */
export async function startLocalFarm(options: LocalFarmOptions): Promise<LocalFarm> {
  const { Miniflare, convertV4MiniflareOptions, unstable_getMiniflareWorkerOptions } = await runtime();
  const scriptPath = await bundleWorker();
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml")) as { workerOptions: Record<string, unknown> & { bindings?: Record<string, unknown> } };
  // wrangler still describes a Worker in Miniflare 4's option shape; Miniflare 5 converts it.
  // Our bundle is one self-contained module, so wrangler's module rules have nothing to match.
  const { modulesRules: _rules, ...worker } = workerOptions;
  const host = options.host ?? "127.0.0.1";
  const token = options.vars?.FARM_ADMIN_TOKEN || (options.persistDir ? await stateAdminToken(options.persistDir) : newAdminToken());
  const vars = { FARM_ALLOWED_HOSTS: allowedHosts(host), ...options.vars, FARM_ADMIN_TOKEN: token };
  const make = () => new Miniflare(convertV4MiniflareOptions({
    ...worker,
    name: "worldfarm",
    modules: true,
    scriptPath,
    bindings: { ...worker.bindings, ...vars },
    host: "127.0.0.1",
    port: 0,
    unsafeDirectSockets: [{ host, port: options.port }],
    ...(options.persistDir ? { resourcePersistencePath: options.persistDir } : {}),
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
  } as never));
  // What deleted objects left behind is removed while workerd is stopped, before it opens anything.
  const sweep = () => (options.persistDir ? removeEmptyObjects(options.persistDir) : undefined);
  await sweep();
  let mf = make();
  await mf.ready;
  const url = new URL(`http://${host.includes(":") ? `[${host}]` : host}:${options.port}/`);
  return {
    url,
    token,
    async restart() {
      await mf.dispose().catch(() => undefined);
      await sweep();
      mf = make();
      await mf.ready;
    },
    dispose: () => mf.dispose(),
  };
}
