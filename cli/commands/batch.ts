import type { CommandGroup } from "./command.ts";
import { cancel, list } from "./batch/manage.ts";
import { prune, remove } from "./batch/delete.ts";
import { run, status } from "./batch/run.ts";
import { stream } from "./batch/stream.ts";

export const batch: CommandGroup = {
  summary: "rollout batches: run, status, list, stream, cancel, delete, prune",
  subcommands: { run, status, list, stream, cancel, delete: remove, prune },
};
