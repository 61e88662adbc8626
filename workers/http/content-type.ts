import type { MiddlewareHandler } from "hono";
import { FarmError } from "../shared/errors.ts";

/**
 * Every body the farm reads is JSON, and must say so: a page can send text/plain, form or multipart bodies to any
 * origin without a CORS preflight, but never application/json. A request without a body may leave the header out.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async function requireJsonBody(c, next) {
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.method !== "OPTIONS") {
      const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
      const hasBody = c.req.raw.body !== null && c.req.header("content-length") !== "0";
      if (type !== undefined ? type !== "application/json" : hasBody) {
        throw new FarmError(
          "unsupported_media_type",
          415,
          `request bodies are JSON, sent with Content-Type: application/json (this one came as ${type ?? "no Content-Type"})`,
        );
      }
    }
    await next();
  };
}
