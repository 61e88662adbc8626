import type { Context } from "hono";
import { farmOrigin } from "../http/origin.ts";
import { slotOf } from "./worlds.ts";

type App = { Bindings: Env };

const path = (id: string) => `/v1/instances/${id}/mcp`;

/**
 * Where an agent reaches an instance's MCP. In a local contained farm that is the socket of the world process that
 * hosts the instance, on the host name the request came in on (already checked as one the farm answers to): the
 * world's Worker serves the route with the same checks, and a call skips the Durable Object hop from control.
 * Behind FARM_ORIGIN (a proxy in front of the farm's one port), and deployed, it is the farm's own route.
 */
export async function instanceMcpUrl(c: Context<App>, envName: string, id: string): Promise<string> {
  const ports = c.env.FARM_WORLD_PORTS;
  if (!ports || c.env.FARM_ORIGIN) return new URL(path(id), farmOrigin(c)).toString();
  const port = ports.split(",")[(await slotOf(c.env, envName)) - 1];
  const url = new URL(path(id), farmOrigin(c));
  if (port) url.port = port;
  return url.toString();
}
