import { watch, type FSWatcher } from "node:fs";
import { basename, join, resolve } from "node:path";
import { buildEnv } from "../build/bundle-env.ts";
import { Farm } from "../../trainer-bridge/ts/index.ts";
import { isLoopbackHost } from "../../workers/shared/loopback.ts";
import { DEFAULT_STATE_DIR } from "../farm/access.ts";
import { startLocalFarm } from "../farm/local-farm.ts";
import { lockState } from "../farm/state-lock.ts";
import type { Command } from "./command.ts";
import { intOption } from "./command.ts";
import { envDirs } from "./env-dirs.ts";
import { startBanner } from "./start-banner.ts";
import { fakePolicyNextTo } from "./start-policy.ts";

const SERVE_OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  static: { type: "boolean" },
  state: { type: "string" },
} as const;
const SERVE_USAGE = `  --port N      listen port (default $PORT, else 8787); a fake vLLM-like policy server listens on the next one
  --host H      listen address (default 127.0.0.1); any other address is reachable from the network, with the token
  --state DIR   where Durable Object state and the admin token persist (default $WORLDFARM_STATE, else .wrangler/state);
                one farm at a time per folder
  --static      run the example environments compiled into the Worker (no Worker Loader)`;

/** Re-uploads an environment whenever a file under its folder changes; a failed build is reported, not fatal. */
function watchEnvs(dirs: string[], client: Farm): () => void {
  const timers = new Map<string, NodeJS.Timeout>();
  const rebuild = async (dir: string) => {
    try {
      const stored = await client.uploadEnv(await buildEnv(dir));
      console.log(
        `${new Date().toLocaleTimeString()}  ${stored.name} rebuilt and uploaded: bundle ${stored.bundleId.slice(0, 12)}`,
      );
    } catch (err) {
      console.error(
        `${new Date().toLocaleTimeString()}  ${basename(dir)}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  const watchers: FSWatcher[] = dirs.map((dir) =>
    watch(dir, { recursive: true }, () => {
      // Editors write a file in several steps; one rebuild per burst.
      clearTimeout(timers.get(dir));
      timers.set(
        dir,
        setTimeout(() => void rebuild(dir), 150),
      );
    }),
  );
  return () => {
    for (const w of watchers) w.close();
    for (const t of timers.values()) clearTimeout(t);
  };
}

/** What the Worker is told: the runtime mode, and the access settings a user set in the environment. */
function farmVars(values: Record<string, string | boolean | undefined>): Record<string, string> {
  const vars: Record<string, string> = values.static ? { RUNTIME_MODE: "static" } : {};
  for (const name of ["FARM_ADMIN_TOKEN", "FARM_ORIGIN", "FARM_ALLOWED_ORIGINS"] as const) {
    if (process.env[name]) vars[name] = process.env[name];
  }
  return vars;
}

/** Where the admin token came from, and who can reach the farm with it. */
function tokenNote(token: string, persistDir: string, host: string): string {
  const from = process.env.FARM_ADMIN_TOKEN ? "from FARM_ADMIN_TOKEN" : `kept in ${join(persistDir, "admin-token")}`;
  const where = isLoopbackHost(host) ? "this machine only" : `every machine that reaches ${host}`;
  const cli =
    persistDir === DEFAULT_STATE_DIR || process.env.FARM_ADMIN_TOKEN
      ? "the CLI finds it"
      : "pass it to the CLI as --token or FARM_ADMIN_TOKEN";
  return `Admin token: ${token}  (${from}; ${cli}). Listening for ${where}: admin routes need the token.\n`;
}

/** Runs the farm with environments uploaded until SIGINT or SIGTERM; `dev` also rebuilds them on change. */
async function serve(
  values: Record<string, string | boolean | undefined>,
  positionals: string[],
  { dev }: { dev: boolean },
): Promise<number> {
  const port = intOption({ port: (values.port as string | undefined) ?? process.env.PORT }, "port", 8787, 1, 65535);
  const dirs = (await envDirs(positionals)).map((d) => resolve(d));
  const host = (values.host as string | undefined) ?? "127.0.0.1";
  const persistDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE_DIR);
  const lock = await lockState(persistDir, `http://${host.includes(":") ? `[${host}]` : host}:${port}`);
  const farm = await startLocalFarm({ port, host, persistDir, vars: farmVars(values) }).catch(async (err: unknown) => {
    await lock.release();
    throw err;
  });
  const url = farm.url.toString().replace(/\/$/, "");
  const client = new Farm(url, { token: farm.token });
  const bundles = await Promise.all(dirs.map((dir) => buildEnv(dir)));
  for (const bundle of bundles) await client.uploadEnv(bundle);
  // A stand-in for vLLM next to the farm, so batches and the trainer-bridge examples run without a GPU.
  const policy = await fakePolicyNextTo(bundles, port);
  const cliFindsToken = persistDir === DEFAULT_STATE_DIR || Boolean(process.env.FARM_ADMIN_TOKEN);
  console.log(
    startBanner({
      url,
      bundles,
      policy,
      dev,
      token: { value: farm.token, note: tokenNote(farm.token, persistDir, host), cliFindsIt: cliFindsToken },
    }),
  );
  const unwatch = dev ? watchEnvs(dirs, client) : () => {};
  await new Promise<void>((done) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => done());
  });
  unwatch();
  await policy.close();
  await farm.dispose();
  await lock.release();
  return 0;
}

export const start: Command = {
  summary: "run the farm locally (workerd via Miniflare) with the example environments uploaded",
  usage: `worldfarm start [envs/<name> ...] [--port N] [--host H] [--state DIR] [--static]

Uploads the named environment folders (all of envs/ when none is named). The dashboard is at /.
${SERVE_USAGE}`,
  options: SERVE_OPTIONS,
  run: (values, positionals) => serve(values, positionals, { dev: false }),
};

export const dev: Command = {
  summary: "start, and rebuild and upload an environment whenever its source changes",
  usage: `worldfarm dev [envs/<name> ...] [--port N] [--host H] [--state DIR] [--static]

Like start, and watches each environment folder: a saved change rebuilds the bundle and uploads it, so the
next instance or batch runs the new code. A build error is printed and the farm keeps running.
${SERVE_USAGE}`,
  options: SERVE_OPTIONS,
  run: (values, positionals) => serve(values, positionals, { dev: true }),
};
