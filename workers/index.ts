import { Hono } from "hono";
import { errorResponse } from "./http/errors.ts";
import { FarmError } from "./shared/errors.ts";
import { envRoutes, instanceRoutes } from "./env-host/routes.ts";
import { openapi } from "./http/openapi.ts";

export { EnvInstance } from "./env-host/instance.ts";
export { Registry } from "./env-host/registry.ts";
export { StaticWorld } from "./env-host/runtime/static-world.ts";

const app = new Hono<{ Bindings: Env }>()
  .route("/", envRoutes)
  .route("/", instanceRoutes)
  .get("/openapi.json", (c) => c.json(openapi()))
  .get("/healthz", (c) => c.json({ ok: true }))
  .notFound((c) => errorResponse(new FarmError("not_found", 404, `no route ${c.req.method} ${new URL(c.req.url).pathname}`), c))
  .onError(errorResponse);

export default app satisfies ExportedHandler<Env>;
