/**
 * Secrets (set with `wrangler secret put`, locally in .dev.vars) and optional settings; `wrangler types` cannot
 * see them. docs/SECURITY.md says what each guards.
 */
interface Env {
  /** The bearer token every admin route needs; without it a farm keeps them closed. */
  FARM_ADMIN_TOKEN?: string;
  FARM_SECRET?: string;
  /** The public origin, e.g. https://farm.example.com: the base of every URL the farm returns. */
  FARM_ORIGIN?: string;
  /** Comma-separated host names the farm answers to, "loopback" for any loopback name; unset, any (deployed). */
  FARM_ALLOWED_HOSTS?: string;
  /** Comma-separated browser origins besides the farm's own that may call it (with CORS). */
  FARM_ALLOWED_ORIGINS?: string;
  /**
   * How many worlds of one bundle keep their evaluated module code in an isolate (default 32, sized for a deployed
   * isolate's 128 MB); a local world process with a larger heap is given more (cli/farm/local-farm.ts).
   */
  FARM_WORLD_MODULES?: string;
  /**
   * Set by a local contained farm in its control process: the port of each world's socket, slot 1 first. An
   * instance's mcpUrl and callUrl are then on its world's port (workers/env-host/instance-urls.ts).
   */
  FARM_WORLD_PORTS?: string;
  /**
   * Set by a local contained farm in each world process: the secret its runtimes print with the rollout call whose
   * environment code runs (sdk/running-call.ts), so the supervisor can name the call that stopped a runtime.
   */
  FARM_CALL_SECRET?: string;
  /**
   * Set by a local contained farm in its control process: over how many worlds one environment's rollouts spread
   * (workers/env-host/worlds.ts `rolloutWorld`); fixed for the life of a state folder.
   */
  FARM_ROLLOUT_SHARDS?: string;
  /**
   * Set by a local contained farm in its control process: over how many worlds one environment's instances spread
   * (workers/env-host/worlds.ts `instanceWorld`); fixed for the life of a state folder.
   */
  FARM_INSTANCE_SHARDS?: string;
  /** Set by a local contained farm in each world process: the supervisor, asked which call stopped the runtime. */
  WORLD_STOPS?: Fetcher;
  /** Set only by vitest's workerd projects: a request without a bearer token is admin. */
  FARM_TEST_UNAUTHENTICATED?: string;
}
