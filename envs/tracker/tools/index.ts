import { commentTools } from "./comments.ts";
import { issueTools } from "./issues.ts";
import { labelTools } from "./labels.ts";
import { linkTools } from "./links.ts";
import { projectTools } from "./projects.ts";
import { sprintTools } from "./sprints.ts";
import { teamTools } from "./teams.ts";
import { watcherTools } from "./watchers.ts";
import { workflowTools } from "./workflow.ts";

export const tools = {
  ...issueTools,
  ...workflowTools,
  ...commentTools,
  ...labelTools,
  ...watcherTools,
  ...linkTools,
  ...projectTools,
  ...teamTools,
  ...sprintTools,
};
