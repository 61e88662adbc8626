import { defineEnv } from "worldfarm/sdk";
import { schema } from "./schema.ts";
import { seed } from "./seed/index.ts";
import { tasks } from "./tasks/index.ts";
import { tools } from "./tools/index.ts";

export default defineEnv({
  name: "tracker",
  description:
    "Lumen's team issue tracker (Jira/Linear-like): projects with keyed issues, epics and sub-tasks, a review-gated " +
    "workflow, sprints, labels, comments, watchers, links and teams. You act as Alex Rivera, Web team lead.",
  schema,
  seed,
  tools,
  tasks,
  userId: 1,
  epoch: "2026-01-15T09:00:00Z",
});
