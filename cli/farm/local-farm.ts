import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../paths.ts";
import { Supervisor } from "./supervisor.ts";
import { WorldProcess, taggedChildren } from "./world-process.ts";
import { bundleWorker } from "./worker-bundle.ts";
import { allowedHosts, newAdminToken, stateAdminToken } from "./access.ts";
import { removeEmptyObjects } from "./empty-objects.ts";
import { DeletedObjects } from "./deleted-objects.ts";
import { wakeBatches } from "./wake-batches.ts";
import { WorldPorts } from "./world-ports.ts";
import { untilFree } from "./free-port.ts";
import { worldShards } from "./world-shards.ts";
import { isLoopbackHost } from "../../workers/shared/loopback.ts";

/**
 * Miniflare as wrangler ships it, so `npm start` runs the same workerd that `wrangler dev` would. Loaded on first
 * use: the two take seconds to import, which every CLI command that never starts a farm would otherwise pay.
 */
async function runtime() {
  const fromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler"));
  const miniflare = (await import(fromWrangler.resolve("miniflare"))) as typeof import("miniflare");
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  return { ...miniflare, unstable_getMiniflareWorkerOptions };
}

export interface LocalFarmOptions {
  port: number;
  host?: string;
  /** Where Durable Object state lives between runs; omit for a throwaway farm. */
  persistDir?: string;
  /** FARM_ADMIN_TOKEN among them wins; without it the farm gets the state folder's own token (or a fresh one). */
  vars?: Record<string, string>;
  /** Opens the control workerd's V8 inspector on this port, for profiling. */
  inspectorPort?: number;
  /** Opens world N's V8 inspector on this port + N, for profiling the processes that run rollouts. */
  worldInspectorPorts?: number;
  /**
   * How many world processes at most (default $WORLDFARM_WORLDS, else 8); more environments share them. 0 runs
   * environment code in the control process, uncontained, as before worlds existed: for benchmarks only.
   */
  worlds?: number;
  /**
   * Over how many worlds one environment's rollouts spread, at most `worlds` ($WORLDFARM_ROLLOUT_SHARDS wins; else
   * this, else 1). Opt-in: the batch benchmarks take one per core; the recovery test with two shards once found a
   * finished rollout missing after a farm restart, not explained yet, so `worldfarm start` keeps one. A state folder
   * keeps the number it was first given (cli/farm/world-shards.ts).
   */
  rolloutShards?: number;
  /**
   * Over how many worlds one environment's instances spread ($WORLDFARM_INSTANCE_SHARDS wins; else this, else 1):
   * a world blocks on its disk while it commits, so creates from many clients go faster in more of them
   * (bench/CREATE-RESULTS.md). Kept per state folder like `rolloutShards`; an instance's `mcpUrl` and `callUrl` are on
   * its shard's world.
   */
  instanceShards?: number;
  /**
   * How much CPU (ms) a world may burn without answering a health check before it is stopped as stuck (default
   * $WORLDFARM_STUCK_CPU_MS, else 5000).
   */
  stuckCpuMs?: number;
  /**
   * V8's old-space limit for each isolate in a world, in MB (default $WORLDFARM_HEAP_MB, else 2048). It bounds what
   * a runaway allocation takes before its world aborts, but a world near it collects garbage without pause: at 512 a
   * 1,024-rollout batch spent 205 ms of CPU a rollout, at 2048 114 ms (bench/BATCH-RESULTS.md).
   */
  heapMb?: number;
}

export interface LocalFarm {
  url: URL;
  /** The admin token every admin route needs. */
  token: string;
  /** The process supervisor: which world hosts an environment, how often each was restarted. */
  supervisor: Supervisor;
  /** The pids of this farm's workerd processes now (control and worlds), for measuring what they use. */
  workerdPids(): number[];
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/** What one world's evaluated module code retains, in MB (runtime.ts in workers/env-host/loader measures it). */
const WORLD_MODULE_MB = 1.6;

/**
 * How many worlds of a bundle keep their evaluated module code in a world process: as many as half its isolate's
 * heap holds. The deployed cap (32, for 128 MB) made rollouts running side by side in one world push each other's
 * modules out, so every tool call of a 512-rollout batch evaluated its bundle again (~10 ms each).
 */
export function worldModules(heapMb: number): number {
  return Math.max(32, Math.floor(heapMb / 2 / WORLD_MODULE_MB));
}

const REGEXP_FLAGS = [
  "--enable-experimental-regexp-engine-on-excessive-backtracks",
  "--regexp-backtracks-before-fallback=100000",
];

function envNumber(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * The farm as local workerd processes, through Miniflare's API, on workerd's own sockets:
 * - the control process holds the registry, the farm index, the batches, the HTTP API and the dashboard, and runs
 *   no environment code: it has no Worker Loader and no binding to EnvInstance or Rollout of its own;
 * - world processes host the objects that run environment code (EnvInstance, Rollout and their facets), one per
 *   environment up to `worlds`, each on its own state folder, started on first use by the supervisor, which stops
 *   one that is stuck and names the limit to the call that caused it.
 * Control reaches world N through Durable Object bindings over Miniflare's dev registry (ENV_INSTANCE_N,
 * ROLLOUT_N), and worlds reach the registry, the farm index and the batches the same way; workers/env-host/worlds.ts
 * picks the binding.
 * Clients reach the control Worker on a direct socket, skipping Miniflare's entry and asset router (~0.3 ms a
 * request); the Worker serves the dashboard's files itself through its ASSETS binding. An instance's `mcpUrl` and
 * `callUrl` are on its world's own socket (FARM_WORLD_PORTS tells control the ports), where the same Worker serves
 * them with the same token, Host, Origin and Content-Type checks, without the hop from control (see README,
 * Containment).
 */
export async function startLocalFarm(options: LocalFarmOptions): Promise<LocalFarm> {
  const mf = await runtime();
  const scriptPath = await bundleWorker();
  const { workerOptions } = mf.unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml")) as {
    workerOptions: Record<string, unknown> & { bindings?: Record<string, unknown> };
  };
  // wrangler still describes a Worker in Miniflare 4's option shape; Miniflare 5 converts it. Our bundle is one
  // self-contained module, so wrangler's module rules have nothing to match; the Durable Object bindings differ
  // per process and are given below.
  const { modulesRules: _rules, durableObjects: _objects, workerLoaders, assets, ...worker } = workerOptions;
  const host = options.host ?? "127.0.0.1";
  const cap = options.worlds ?? envNumber("WORLDFARM_WORLDS", 8);
  const contained = cap > 0;
  const stuckCpuMs = options.stuckCpuMs ?? envNumber("WORLDFARM_STUCK_CPU_MS", 5_000);
  const heapMb = options.heapMb ?? envNumber("WORLDFARM_HEAP_MB", 2048);
  const modules = envNumber("WORLDFARM_WORLD_MODULES", worldModules(heapMb));
  const farmId = randomBytes(6).toString("hex");
  // What the worlds' runtimes print with the call whose code runs; environment code never sees it.
  const callSecret = randomBytes(16).toString("hex");
  // An instance's MCP is served at its world's own socket, one process hop less than through control: the world
  // listens where control does (a wildcard address covers loopback) and control hands out URLs on those ports. On
  // one specific non-loopback address the worlds stay on loopback and MCP URLs on control.
  const wildcard = host === "0.0.0.0" || host === "::";
  const mcpAtWorlds = contained && (wildcard || isLoopbackHost(host));
  const worldHost = mcpAtWorlds && !wildcard ? host : "127.0.0.1";
  const worldDirect = worldHost.includes(":") ? `[${worldHost}]` : worldHost;
  const worldPorts = contained
    ? await WorldPorts.open(cap, wildcard ? host : worldHost, options.persistDir)
    : undefined;
  const ports = worldPorts?.ports ?? [];
  const rolloutShards = contained
    ? worldShards("rollout", cap, envNumber("WORLDFARM_ROLLOUT_SHARDS", options.rolloutShards ?? 1), options.persistDir)
    : 1;
  const instanceShards = contained
    ? worldShards(
        "instance",
        cap,
        envNumber("WORLDFARM_INSTANCE_SHARDS", options.instanceShards ?? 1),
        options.persistDir,
      )
    : 1;
  // Each farm its own dev registry: the names in it (worldfarm, world-N) are the same in every farm.
  const registryDir = mkdtempSync(join(tmpdir(), "worldfarm-registry-"));
  const token =
    options.vars?.FARM_ADMIN_TOKEN ||
    (options.persistDir ? await stateAdminToken(options.persistDir) : newAdminToken());
  const vars = { FARM_ALLOWED_HOSTS: allowedHosts(host), ...options.vars, FARM_ADMIN_TOKEN: token };
  const bindings = { ...worker.bindings, ...vars };
  const sqlite = (className: string, scriptName?: string) => ({
    className,
    useSQLite: true,
    ...(scriptName ? { scriptName } : {}),
  });
  const userFlags = process.env.MINIFLARE_WORKERD_V8_FLAGS ?? "";
  const worldFlags = [userFlags, ...REGEXP_FLAGS, `--max-old-space-size=${heapMb}`].filter(Boolean).join(" ");
  const controlFlags = [userFlags, ...REGEXP_FLAGS].filter(Boolean).join(" ");
  /**
   * Miniflare reads workerd's V8 flags from the environment when it builds a runtime's config. A world that
   * crashes is restarted by Miniflare with whatever is set then, so the world flags are what stays set.
   */
  /** What the Node services the workerds call (WORLDS, WORLD_STOPS) answer. */
  const json = (status: number, body: unknown) =>
    new mf.Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const withFlags = async <T extends { ready: Promise<URL> }>(flags: string, make: () => T): Promise<T> => {
    process.env.MINIFLARE_WORKERD_V8_FLAGS = flags;
    try {
      const made = make();
      await made.ready;
      return made;
    } finally {
      process.env.MINIFLARE_WORKERD_V8_FLAGS = worldFlags;
    }
  };

  let supervisor: Supervisor;
  // Told by control which objects a batch deletion removed, it takes their files away without a restart.
  const persistDir = options.persistDir;
  const deleted = persistDir ? new DeletedObjects((slot) => join(persistDir, "worlds", String(slot))) : undefined;
  const startWorld = async (slot: number): Promise<WorldProcess> => {
    const name = `world-${slot}`;
    const tag = `WORLDFARM_WORLD=${farmId}-${slot}`;
    const port = ports[slot - 1]!;
    const dir = options.persistDir ? join(options.persistDir, "worlds", String(slot)) : undefined;
    // What deleted objects left behind is removed while the world's workerd is stopped, before it opens anything.
    if (dir) await removeEmptyObjects(dir);
    await worldPorts?.release(slot);
    const world = await withFlags(
      worldFlags,
      () =>
        new mf.Miniflare(
          mf.convertV4MiniflareOptions({
            ...worker,
            name,
            modules: true,
            scriptPath,
            bindings: { FARM_WORLD_MODULES: String(modules), FARM_CALL_SECRET: callSecret, ...bindings },
            serviceBindings: {
              WORLD_STOPS: async (request: Request) =>
                json(200, await supervisor.verdict(slot, new URL(request.url).searchParams.get("token") ?? "")),
            },
            workerLoaders,
            host: "127.0.0.1",
            port: 0,
            // The supervisor's health checks go straight to the Worker: fewer turns of a busy event loop to wait for.
            unsafeDirectSockets: [{ host: wildcard ? host : worldHost, port }],
            durableObjects: {
              ENV_INSTANCE: sqlite("EnvInstance"),
              ROLLOUT: sqlite("Rollout"),
              WORLD_SLOT: sqlite("WorldSlot"),
              WORLD_STORE: sqlite("WorldStore"),
              REGISTRY: sqlite("Registry", "worldfarm"),
              FARM_INDEX: sqlite("FarmIndex", "worldfarm"),
              BATCH: sqlite("Batch", "worldfarm"),
            },
            ...(dir ? { resourcePersistencePath: dir } : {}),
            ...(options.worldInspectorPorts ? { inspectorPort: options.worldInspectorPorts + slot } : {}),
            unsafeDevRegistryPath: registryDir,
            unsafeRuntimeEnv: { WORLDFARM_WORLD: tag.split("=")[1]! },
            handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
              if (supervisor.log(slot, message)) return;
              if (level === "error" || level === "warn") console.error(message);
              else console.log(message);
            },
          } as never),
        ),
    );
    return new WorldProcess(slot, world, tag, new URL(`http://${worldDirect}:${port}/`));
  };

  const makeSupervisor = () =>
    new Supervisor({
      cap,
      stuckCpuMs,
      heapMb,
      callSecret,
      everyMs: 500,
      ...(options.persistDir ? { assignmentsFile: join(options.persistDir, "worlds", "assignments.json") } : {}),
      start: startWorld,
      onStop: (slot, stop) => console.error(`worldfarm: world-${slot} stopped (${stop.code}): ${stop.message}`),
    });
  const makeControl = () =>
    withFlags(
      controlFlags,
      () =>
        new mf.Miniflare(
          mf.convertV4MiniflareOptions({
            ...worker,
            assets,
            name: "worldfarm",
            modules: true,
            scriptPath,
            bindings: {
              ...bindings,
              ...(mcpAtWorlds ? { FARM_WORLD_PORTS: ports.join(",") } : {}),
              ...(rolloutShards > 1 ? { FARM_ROLLOUT_SHARDS: String(rolloutShards) } : {}),
              ...(instanceShards > 1 ? { FARM_INSTANCE_SHARDS: String(instanceShards) } : {}),
            },
            host: "127.0.0.1",
            port: 0,
            unsafeDirectSockets: [{ host, port: options.port }],
            durableObjects: contained
              ? {
                  REGISTRY: sqlite("Registry"),
                  FARM_INDEX: sqlite("FarmIndex"),
                  BATCH: sqlite("Batch"),
                  ...Object.fromEntries(
                    Array.from({ length: cap }, (_, i) => [
                      [`ENV_INSTANCE_${i + 1}`, sqlite("EnvInstance", `world-${i + 1}`)],
                      [`ROLLOUT_${i + 1}`, sqlite("Rollout", `world-${i + 1}`)],
                    ]).flat(),
                  ),
                }
              : {
                  REGISTRY: sqlite("Registry"),
                  FARM_INDEX: sqlite("FarmIndex"),
                  BATCH: sqlite("Batch"),
                  ENV_INSTANCE: sqlite("EnvInstance"),
                  ROLLOUT: sqlite("Rollout"),
                  WORLD_SLOT: sqlite("WorldSlot"),
                  WORLD_STORE: sqlite("WorldStore"),
                },
            ...(contained
              ? {
                  serviceBindings: {
                    WORLDS: async (request: Request) => {
                      const deletion = new URL(request.url).pathname === "/deleted";
                      const { status, body } = deletion
                        ? ((await deleted?.handle(request)) ?? { status: 202, body: { pending: 0 } })
                        : await supervisor.handle(request);
                      return json(status, body);
                    },
                  },
                }
              : { workerLoaders }),
            unsafeDevRegistryPath: registryDir,
            unsafeRuntimeEnv: { WORLDFARM_WORLD: `${farmId}-control` },
            ...(options.persistDir ? { resourcePersistencePath: options.persistDir } : {}),
            ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
          } as never),
        ),
    );

  // Control's folder and every world's, while no workerd has them open: a world starts again only on first use.
  const sweep = async () => {
    if (!options.persistDir) return;
    const worlds = join(options.persistDir, "worlds");
    const slots = existsSync(worlds) ? readdirSync(worlds, { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
    for (const dir of [options.persistDir, ...slots.map((d) => join(worlds, d.name))]) await removeEmptyObjects(dir);
  };
  // Clients hold MCP URLs on the worlds' sockets: the worlds that have environments start with the farm, in the
  // background, rather than on the control's first use of them.
  const reopenWorlds = () => {
    const file = options.persistDir && join(options.persistDir, "worlds", "assignments.json");
    if (!mcpAtWorlds || !file || !existsSync(file)) return;
    for (const env of Object.keys(JSON.parse(readFileSync(file, "utf8")) as Record<string, number>)) {
      supervisor
        .assign(env)
        .catch((err: unknown) =>
          console.error(
            `worldfarm: the world of ${env} did not start: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
    }
  };
  await sweep();
  supervisor = makeSupervisor();
  reopenWorlds();
  let control = await makeControl();
  const url = new URL(`http://${host.includes(":") ? `[${host}]` : host}:${options.port}/`);
  // A farm that cannot list its batches still serves; the batches then wait for the first client that opens them.
  const wake = () =>
    options.persistDir
      ? wakeBatches(
          host === "0.0.0.0" || host === "::" ? new URL(`http://127.0.0.1:${options.port}/`) : url,
          token,
        ).catch((err: unknown) =>
          console.error(
            `worldfarm: could not reopen running batches: ${err instanceof Error ? err.message : String(err)}`,
          ),
        )
      : undefined;
  await wake();
  const stop = async () => {
    await Promise.all([control.dispose().catch(() => undefined), supervisor.dispose()]);
  };
  return {
    url,
    token,
    get supervisor() {
      return supervisor;
    },
    workerdPids: () => taggedChildren(`WORLDFARM_WORLD=${farmId}-`),
    async restart() {
      await stop();
      await worldPorts?.holdAll();
      await untilFree(host, options.port);
      await sweep();
      supervisor = makeSupervisor();
      reopenWorlds();
      control = await makeControl();
      await wake();
    },
    async dispose() {
      deleted?.dispose();
      await stop();
      await worldPorts?.close();
      rmSync(registryDir, { recursive: true, force: true });
    },
  };
}
