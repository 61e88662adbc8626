/** Secrets: set with `wrangler secret put`, locally in .dev.vars. `wrangler types` cannot see them. */
interface Env {
  FARM_ADMIN_TOKEN?: string;
  FARM_SECRET?: string;
}
