import type { Context, MiddlewareHandler } from "hono";
import { FarmError } from "../shared/errors.ts";
import { safeEqual } from "../env-host/token.ts";

export function bearer(c: Context): string | undefined {
  const header = c.req.header("authorization");
  return header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
}

/** Cloudflare's edge always sets CF-Connecting-IP; without it the request came straight to local workerd. */
function isLoopback(c: Context): boolean {
  const ip = c.req.header("cf-connecting-ip");
  return ip === undefined || ip === "::1" || ip.startsWith("127.");
}

export function isAdmin(c: Context<{ Bindings: Env }>): boolean {
  const admin = c.env.FARM_ADMIN_TOKEN;
  if (!admin) return isLoopback(c);
  const token = bearer(c);
  return token !== undefined && safeEqual(token, admin);
}

/** With FARM_ADMIN_TOKEN set every admin route needs it; without, the farm answers loopback clients only. */
export function requireAdmin(): MiddlewareHandler<{ Bindings: Env }> {
  return async function requireAdmin(c, next) {
    if (!isAdmin(c)) {
      throw c.env.FARM_ADMIN_TOKEN
        ? new FarmError("unauthorized", 401, "this route needs the admin token as a bearer token")
        : new FarmError("forbidden", 403, "FARM_ADMIN_TOKEN is not set, so this farm only answers loopback clients");
    }
    await next();
  };
}
