import { editTasks } from "./edits.ts";
import { lookupTasks } from "./lookups.ts";
import { workflowTasks } from "./workflows.ts";

export const tasks = [...lookupTasks, ...editTasks, ...workflowTasks];
