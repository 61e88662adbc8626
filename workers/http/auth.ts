import type { Context, MiddlewareHandler } from "hono";
import { FarmError } from "../shared/errors.ts";
import { isInstanceToken, safeEqual } from "../env-host/token.ts";

type App = { Bindings: Env };

export function bearer(c: Context): string | undefined {
  const header = c.req.header("authorization");
  return header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
}

/**
 * Only the admin token makes a caller admin; no address does (CF-Connecting-IP is never read: off Cloudflare's edge
 * any client can send it). The one exception is vitest's workerd projects, which set FARM_TEST_UNAUTHENTICATED so
 * their requests need no header; `worldfarm start` and a deploy never set it, and even there a bearer that is not
 * the admin token (an instance token) is not admin.
 */
export function isAdmin(c: Context<App>): boolean {
  const admin = c.env.FARM_ADMIN_TOKEN;
  const token = bearer(c);
  if (admin) return token !== undefined && safeEqual(token, admin);
  return c.env.FARM_TEST_UNAUTHENTICATED === "true" && token === undefined;
}

/** Every admin route needs FARM_ADMIN_TOKEN as the bearer token; a farm without one keeps them closed. */
export function requireAdmin(): MiddlewareHandler<App> {
  return async function requireAdmin(c, next) {
    if (!isAdmin(c)) {
      if (!c.env.FARM_ADMIN_TOKEN && c.env.FARM_TEST_UNAUTHENTICATED !== "true") {
        throw new FarmError(
          "admin_token_unset",
          403,
          "this farm has no FARM_ADMIN_TOKEN, so its admin routes are closed: set one (deployed: `npx wrangler secret put FARM_ADMIN_TOKEN`; `worldfarm start` sets one itself)",
        );
      }
      throw new FarmError(
        "unauthorized",
        401,
        "this route needs the admin token as a bearer token (an instance token opens only that instance's tools)",
      );
    }
    await next();
  };
}

/** An instance's tools (MCP and /call) need its own token, or the admin token; nothing else opens them. */
export async function requireInstanceAccess(c: Context<App>, id: string): Promise<void> {
  const token = bearer(c);
  const admin = c.env.FARM_ADMIN_TOKEN;
  if (token && ((admin && safeEqual(token, admin)) || (await isInstanceToken(c.env, id, token)))) return;
  throw new FarmError(
    "unauthorized",
    401,
    "this instance's tools need the instance token (or the admin token) as a bearer token",
  );
}
