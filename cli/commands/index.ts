import { batch } from "./batch.ts";
import { bench } from "./bench.ts";
import { build } from "./build.ts";
import type { Command, CommandGroup } from "./command.ts";
import { demo } from "./demo.ts";
import { envs } from "./envs.ts";
import { instance } from "./instance.ts";
import { dev, start } from "./start.ts";
import { synth } from "./synth.ts";

export const commands: Record<string, Command | CommandGroup> = {
  start,
  dev,
  build,
  envs,
  instance,
  batch,
  bench,
  demo,
  synth,
};
