import { build } from "./build.ts";
import { demo } from "./demo.ts";
import type { Command } from "./command.ts";
import { start } from "./start.ts";
import { synth } from "./synth.ts";
import { upload } from "./upload.ts";
import { validate } from "./validate.ts";

export const commands: Record<string, Command> = { start, build, upload, validate, demo, synth };
