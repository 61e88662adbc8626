import { batch } from "./batch.ts";
import { bench } from "./bench.ts";
import { build } from "./build.ts";
import type { Command, CommandGroup } from "./command.ts";
import { demo } from "./demo.ts";
import { envs } from "./envs.ts";
import { instance } from "./instance.ts";
import { dev, start } from "./start.ts";
import { synth } from "./synth.ts";
import { upload } from "./upload.ts";
import { validate } from "./validate.ts";

export const commands: Record<string, Command | CommandGroup> = { start, dev, build, envs, instance, batch, bench, demo, synth };

/** The commands from before `envs` grouped them, still answered and left out of the command list. */
export const aliases: Record<string, Command> = { upload, validate };
