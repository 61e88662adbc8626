import { Hono } from "hono";
import { errorResponse } from "./http/errors.ts";
import { FarmError } from "./shared/errors.ts";
import { envRoutes, instanceRoutes } from "./env-host/routes.ts";
import { batchRoutes } from "./orchestrator/routes.ts";
import { openapi } from "./http/openapi.ts";
import { allowedOriginsCors, checkOrigin } from "./http/origin.ts";
import { requireJsonBody } from "./http/content-type.ts";
import "./report-unhandled.ts";

export { EnvInstance } from "./env-host/instance.ts";
export { Registry } from "./env-host/registry.ts";
export { FarmIndex } from "./farm-index/farm-index.ts";
export { Rollout } from "./orchestrator/rollout/rollout-object.ts";
export { WorldSlot } from "./orchestrator/rollout/world-slot.ts";
export { WorldStore } from "./env-host/world-store.ts";
export { Batch } from "./orchestrator/batch/batch-object.ts";
export { StaticWorld } from "./env-host/runtime/static-world.ts";

// Host, Origin and Content-Type are checked before any route runs, the dashboard's files included.
const app = new Hono<{ Bindings: Env }>()
  .use(checkOrigin(), allowedOriginsCors(), requireJsonBody())
  .route("/", envRoutes)
  .route("/", instanceRoutes)
  .route("/", batchRoutes)
  .get("/openapi.json", (c) => c.json(openapi()))
  .get("/healthz", (c) => c.json({ ok: true }))
  .notFound((c) => {
    const path = new URL(c.req.url).pathname;
    // Deployed, the asset router answers these before the Worker runs; locally the farm's socket reaches it directly.
    if (!path.startsWith("/v1/") && (c.req.method === "GET" || c.req.method === "HEAD"))
      return c.env.ASSETS.fetch(c.req.raw);
    return errorResponse(new FarmError("not_found", 404, `no route ${c.req.method} ${path}`), c);
  })
  .onError(errorResponse);

export default app satisfies ExportedHandler<Env>;
