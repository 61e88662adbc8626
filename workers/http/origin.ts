import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { FarmError } from "../shared/errors.ts";
import { isLoopbackHost } from "../shared/loopback.ts";

type App = { Bindings: Env };

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/**
 * Whether the farm answers to this host name. FARM_ALLOWED_HOSTS (set by `worldfarm start`) lists names, or
 * "loopback" for any loopback name or address: a page on evil.example that rebinds its name to 127.0.0.1 then
 * reaches nothing. Unset, as deployed, every name is the Worker's own: Cloudflare's edge routes only those to it.
 */
function allowedHost(env: Env, hostname: string): boolean {
  const allowed = list(env.FARM_ALLOWED_HOSTS);
  if (allowed.length === 0) return true;
  if (env.FARM_ORIGIN && new URL(env.FARM_ORIGIN).hostname === hostname) return true;
  return allowed.some((name) => (name === "loopback" ? isLoopbackHost(hostname) : name === hostname));
}

/** The farm's own origin: FARM_ORIGIN when configured, else the (validated) scheme and host the request came in on. */
export function farmOrigin(c: Context<App>): string {
  return new URL(c.env.FARM_ORIGIN || c.req.url).origin;
}

/** A URL on the farm that a client can follow: never built from a Host the farm does not answer to. */
export const farmUrl = (c: Context<App>, path: string) => new URL(path, farmOrigin(c)).toString();

/** The farm's own origins (the one configured and the validated one the request came in on), then the allowlist. */
function allowedOrigin(c: Context<App>, origin: string): boolean {
  return isOwnOrigin(c, origin) || list(c.env.FARM_ALLOWED_ORIGINS).includes(origin.toLowerCase());
}

const isOwnOrigin = (c: Context<App>, origin: string) =>
  origin === farmOrigin(c) || origin === new URL(c.req.url).origin;

/**
 * Refuses, before any route runs, a request to a host the farm does not answer to and any browser request a page
 * from another origin made: the Origin header when the browser sends one, Sec-Fetch-Site when it does not (a
 * cross-site <img> or <script> GET). Top-level navigations stay allowed: what they show goes to the user, not the
 * page that linked. Clients outside a browser send neither header.
 */
export function checkOrigin(): MiddlewareHandler<App> {
  return async function checkOrigin(c, next) {
    const { hostname } = new URL(c.req.url);
    if (!allowedHost(c.env, hostname)) {
      throw new FarmError(
        "forbidden_host",
        403,
        `this farm does not answer to the host name "${hostname}" (FARM_ALLOWED_HOSTS lists the ones it does)`,
      );
    }
    const origin = c.req.header("origin");
    if (origin !== undefined && !allowedOrigin(c, origin)) {
      throw new FarmError(
        "forbidden_origin",
        403,
        `requests from pages at ${origin} are refused: only the farm's own origin (and FARM_ALLOWED_ORIGINS) may call it from a browser`,
      );
    }
    const site = c.req.header("sec-fetch-site");
    if (
      origin === undefined &&
      (site === "cross-site" || site === "same-site") &&
      c.req.header("sec-fetch-mode") !== "navigate"
    ) {
      throw new FarmError("forbidden_origin", 403, "requests made by pages of another site are refused");
    }
    await next();
  };
}

/** CORS for the origins an operator allowed in FARM_ALLOWED_ORIGINS (a browser MCP client, say); none otherwise. */
export function allowedOriginsCors(): MiddlewareHandler<App> {
  const handler = cors({
    origin: (origin, c: Context<App>) => (!isOwnOrigin(c, origin) && allowedOrigin(c, origin) ? origin : null),
    allowHeaders: ["authorization", "content-type", "mcp-session-id", "mcp-protocol-version", "last-event-id"],
    exposeHeaders: ["mcp-session-id"],
  });
  return async function allowedOriginsCors(c, next) {
    if (!c.env.FARM_ALLOWED_ORIGINS) return next();
    return handler(c, next);
  };
}
