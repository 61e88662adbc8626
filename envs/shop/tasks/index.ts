import type { TaskDef } from "../../../workers/env-host/sdk/index.ts";
export const tasks: TaskDef[] = [];
