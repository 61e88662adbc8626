import { adminTokenFor } from "../farm/access.ts";
import { FarmClient } from "../farm/client.ts";

/** --url and --token, which every command that talks to a running farm takes. */
export const farmOptions = { url: { type: "string" }, token: { type: "string" } } as const;

export const FARM_OPTIONS_USAGE = `  --url URL       the farm (default $WORLDFARM_URL, else http://127.0.0.1:8787)
  --token TOKEN   its admin token (default $FARM_ADMIN_TOKEN, else for a loopback URL the
                  one npm start keeps in its default state folder: $WORLDFARM_STATE, else .wrangler/state)
  --json          machine-readable output`;

export function farmFrom(values: Record<string, string | boolean | undefined>): FarmClient {
  const url = (values.url as string | undefined) ?? process.env.WORLDFARM_URL ?? "http://127.0.0.1:8787";
  return new FarmClient(url, adminTokenFor(url, values.token as string | undefined));
}
