import { buildEnv } from "../build/bundle-env.ts";
import { FarmClient } from "../farm/client.ts";
import type { Command } from "./command.ts";
import { envDirs } from "./env-dirs.ts";

export const upload: Command = {
  summary: "build and upload environments to a farm",
  usage: "worldfarm upload [envs/<name> ...] [--url URL] [--token TOKEN]\n\nURL defaults to $WORLDFARM_URL or http://127.0.0.1:8787; TOKEN to $FARM_ADMIN_TOKEN.",
  options: { url: { type: "string" }, token: { type: "string" }, json: { type: "boolean" } },
  async run(values, positionals) {
    const url = (values.url as string | undefined) ?? process.env.WORLDFARM_URL ?? "http://127.0.0.1:8787";
    const client = new FarmClient(url, (values.token as string | undefined) ?? process.env.FARM_ADMIN_TOKEN);
    for (const dir of await envDirs(positionals)) {
      const stored = await client.upload(await buildEnv(dir));
      console.log(values.json ? JSON.stringify(stored) : `${stored.name.padEnd(12)} ${stored.bundleId.slice(0, 12)}  uploaded to ${url}`);
    }
    return 0;
  },
};
