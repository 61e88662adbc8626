import type { Context } from "hono";
import type { InstanceCreated } from "../shared/instance.ts";
import { farmOrigin } from "../http/origin.ts";
import { instanceWorld, slotOf } from "./worlds.ts";

type App = { Bindings: Env };

/**
 * Where an agent reaches an instance: its MCP, and the plain tool-call route HTTP clients use. In a local contained
 * farm both are on the socket of the world process that hosts the instance, on the host name the request came in on
 * (already checked as one the farm answers to): the world's Worker serves these routes with the same checks, and a
 * call skips the hop from control to the world (measured: a call through control took 4.8 ms at p50 against 2.8 ms
 * before worlds existed). Behind FARM_ORIGIN (a proxy in front of the farm's one port), and deployed, they are the
 * farm's own routes.
 */
export async function instanceUrls(
  c: Context<App>,
  envName: string,
  id: string,
): Promise<Pick<InstanceCreated, "mcpUrl" | "callUrl">> {
  const origin = new URL(farmOrigin(c));
  const ports = c.env.FARM_WORLD_PORTS;
  if (ports && !c.env.FARM_ORIGIN) {
    const port = ports.split(",")[(await slotOf(c.env, instanceWorld(c.env, envName, id))) - 1];
    if (port) origin.port = port;
  }
  const at = (path: string) => new URL(`/v1/instances/${id}/${path}`, origin).toString();
  return { mcpUrl: at("mcp"), callUrl: at("call") };
}
