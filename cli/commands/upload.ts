import { buildEnv } from "../build/bundle-env.ts";
import type { Command } from "./command.ts";
import { envDirs } from "./env-dirs.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "./farm-options.ts";

export const upload: Command = {
  summary: "build and upload environments to a farm",
  usage: `worldfarm envs upload [envs/<name> ...] [--url URL] [--token TOKEN] [--json]

Builds each environment folder (all of envs/ when none is named) and uploads it.
${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, json: { type: "boolean" } },
  async run(values, positionals) {
    const client = farmFrom(values);
    for (const dir of await envDirs(positionals)) {
      const stored = await client.uploadEnv(await buildEnv(dir));
      console.log(
        values.json
          ? JSON.stringify(stored)
          : `${stored.name.padEnd(12)} ${stored.bundleId.slice(0, 12)}  uploaded to ${client.baseUrl}`,
      );
    }
    return 0;
  },
};
