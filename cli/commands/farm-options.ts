import { adminTokenFor } from "../farm/access.ts";
import { Farm, type FarmOptions } from "../../trainer-bridge/ts/index.ts";

export const DEFAULT_FARM_URL = "http://127.0.0.1:8787";

/** --url and --token, which every command that talks to a running farm takes. */
export const farmOptions = { url: { type: "string" }, token: { type: "string" } } as const;

export const FARM_OPTIONS_USAGE = `  --url URL       the farm (default $WORLDFARM_URL, else http://127.0.0.1:8787)
  --token TOKEN   its admin token (default $FARM_ADMIN_TOKEN, else for a loopback URL the
                  one npm start keeps in its default state folder: $WORLDFARM_STATE, else .wrangler/state)
  --json          machine-readable output`;

/** The farm --url and --token name; `options` tunes the client (a stream's reconnects). */
export function farmFrom(
  values: Record<string, string | boolean | undefined>,
  options: Omit<FarmOptions, "token"> = {},
): Farm {
  const url = (values.url as string | undefined) ?? process.env.WORLDFARM_URL ?? DEFAULT_FARM_URL;
  const token = adminTokenFor(url, values.token as string | undefined);
  return new Farm(url, { ...options, ...(token ? { token } : {}) });
}
