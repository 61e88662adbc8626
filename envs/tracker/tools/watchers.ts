import { tool, z } from "worldfarm/sdk";
import { addWatcher, findIssue, findUser } from "../lib/index.ts";

const key = z.string().describe('Issue key, e.g. "WEB-42".');
const user = z.string().optional().describe('Username, email or full name; default "me".');

export const watcherTools = {
  list_watchers: tool({
    description: "Who is watching an issue (watchers are notified of every change).",
    input: () => z.object({ key }),
    annotations: { title: "List watchers", readOnly: true, idempotent: true },
    run: ({ key }, { db }) => {
      const issue = findIssue(db, key);
      const watchers = db.query<{ username: string; name: string }>(
        "SELECT u.username, u.name FROM watchers w JOIN users u ON u.id = w.user_id WHERE w.issue_id = ? ORDER BY u.username",
        [issue.id],
      );
      return { key: issue.key, watchers };
    },
  }),

  watch_issue: tool({
    description: "Start watching an issue, for me or for a colleague.",
    input: () => z.object({ key, user }),
    annotations: { title: "Watch issue", readOnly: false, destructive: false, idempotent: true },
    run: ({ key, user }, { db, userId, clock }) => {
      const issue = findIssue(db, key);
      const watcher = findUser(db, user ?? "me", userId);
      if (!watcher.active) throw new Error(`${watcher.username} is deactivated and cannot watch issues.`);
      return { key: issue.key, user: watcher.username, changed: addWatcher(db, issue.id, watcher.id, clock.iso()) };
    },
  }),

  unwatch_issue: tool({
    description: "Stop watching an issue, for me or for a colleague.",
    input: () => z.object({ key, user }),
    annotations: { title: "Unwatch issue", readOnly: false, destructive: false, idempotent: true },
    run: ({ key, user }, { db, userId }) => {
      const issue = findIssue(db, key);
      const watcher = findUser(db, user ?? "me", userId);
      const was = db.get("SELECT 1 AS ok FROM watchers WHERE issue_id = ? AND user_id = ?", [issue.id, watcher.id]);
      if (was) db.run("DELETE FROM watchers WHERE issue_id = ? AND user_id = ?", [issue.id, watcher.id]);
      return { key: issue.key, user: watcher.username, changed: !!was };
    },
  }),

  list_watched_issues: tool({
    description: "Issues I am watching, optionally only in one project or only open ones.",
    input: () =>
      z.object({
        project: z.string().optional().describe('Project key, e.g. "WEB".'),
        open_only: z.boolean().optional().describe("true to leave out done and cancelled issues."),
      }),
    annotations: { title: "My watched issues", readOnly: true, idempotent: true },
    run: ({ project, open_only }, { db, userId }) => {
      const issues = db.query<{ key: string; title: string; status: string; priority: string }>(
        `SELECT i.key, i.title, i.status, i.priority FROM watchers w JOIN issues i ON i.id = w.issue_id
         JOIN projects p ON p.id = i.project_id
         WHERE w.user_id = ? AND (? IS NULL OR p.key = upper(?)) AND (? = 0 OR i.status NOT IN ('done', 'cancelled'))
         ORDER BY i.id`,
        [userId, project ?? null, project ?? null, open_only ? 1 : 0],
      );
      return { count: issues.length, issues };
    },
  }),
};
