import { tool, z, type Db } from "worldfarm/sdk";
import {
  RESOLUTIONS,
  STATUSES,
  addWatcher,
  findIssue,
  findUser,
  isClosed,
  logActivity,
  requireAssignable,
  usernameOf,
  type ProjectRow,
} from "../lib/index.ts";

const key = z.string().describe('Issue key, e.g. "WEB-42".');

function allowedFrom(db: Db, status: string) {
  return db.query<{ to: string; name: string }>(
    `SELECT t.to_status AS "to", t.name FROM workflow_transitions t JOIN workflow_statuses s ON s.status = t.to_status
     WHERE t.from_status = ? ORDER BY s.position`,
    [status],
  );
}

export const workflowTools = {
  list_transitions: tool({
    description:
      "The statuses an issue can move to next, per the team workflow: backlog → todo → in_progress → in_review → done; " +
      "any open status can be cancelled; done can be reopened to todo and cancelled restored to backlog.",
    input: () => z.object({ key }),
    annotations: { title: "List transitions", readOnly: true, idempotent: true },
    run: ({ key }, { db }) => {
      const issue = findIssue(db, key);
      return { key: issue.key, status: issue.status, transitions: allowedFrom(db, issue.status) };
    },
  }),

  transition_issue: tool({
    description:
      "Move an issue to another status along an allowed transition (see list_transitions). Moving to done needs the " +
      "issue to be in_review and all its sub-tasks closed. Moving to cancelled takes a resolution (default wont_do). " +
      "Reopening clears the resolution. Optionally adds a comment in the same step.",
    input: () =>
      z.object({
        key,
        status: z.enum(STATUSES).describe("Target status."),
        resolution: z
          .enum(RESOLUTIONS)
          .optional()
          .describe(
            "Only when cancelling: wont_do (default), duplicate, cannot_reproduce or obsolete. Done issues always resolve as done.",
          ),
        comment: z
          .string()
          .min(1)
          .max(5000)
          .optional()
          .describe("Comment to post on the issue as part of the transition."),
      }),
    annotations: { title: "Transition issue", readOnly: false, destructive: false, idempotent: false },
    run: ({ key, status, resolution, comment }, { db, userId, clock }) => {
      const now = clock.iso();
      const issue = findIssue(db, key);
      if (issue.status === status) throw new Error(`${issue.key} is already ${status}.`);
      const allowed = allowedFrom(db, issue.status);
      if (!allowed.some((t) => t.to === status)) {
        throw new Error(
          `${issue.key} cannot go from ${issue.status} to ${status}. From ${issue.status} it can go to: ` +
            `${allowed.map((t) => t.to).join(", ")}. Move it step by step.`,
        );
      }
      if (resolution && status !== "cancelled") {
        throw new Error(
          `A resolution only applies when cancelling; moving to ${status} sets ${status === "done" ? "resolution done" : "none"}.`,
        );
      }
      if (status === "done") {
        const open = db.query<{ key: string }>(
          "SELECT key FROM issues WHERE parent_id = ? AND type = 'subtask' AND status NOT IN ('done', 'cancelled')",
          [issue.id],
        );
        if (open.length)
          throw new Error(`${issue.key} has open sub-tasks (${open.map((s) => s.key).join(", ")}); close them first.`);
      }
      const newResolution = status === "done" ? "done" : status === "cancelled" ? (resolution ?? "wont_do") : null;
      db.run("UPDATE issues SET status = ?, resolution = ?, resolved_at = ?, updated_at = ? WHERE id = ?", [
        status,
        newResolution,
        isClosed(status) ? now : null,
        now,
        issue.id,
      ]);
      logActivity(db, issue, userId, now, "status_changed", "status", issue.status, status);
      if (newResolution !== issue.resolution)
        logActivity(db, issue, userId, now, "updated", "resolution", issue.resolution, newResolution);
      let commentId: number | null = null;
      if (comment) {
        commentId = db.run(
          "INSERT INTO comments (issue_id, author_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
          [issue.id, userId, comment, now, now],
        ).lastRowId;
      }
      return { key: issue.key, from: issue.status, to: status, resolution: newResolution, comment_id: commentId };
    },
  }),

  assign_issue: tool({
    description: "Assign an issue to someone on the team that owns its project. They start watching it.",
    input: () =>
      z.object({
        key,
        assignee: z.string().describe('Username, email, full name, or "me".'),
      }),
    annotations: { title: "Assign issue", readOnly: false, destructive: false, idempotent: true },
    run: ({ key, assignee }, { db, userId, clock }) => {
      const now = clock.iso();
      const issue = findIssue(db, key);
      const user = findUser(db, assignee, userId);
      if (issue.assignee_id === user.id) return { key: issue.key, assignee: user.username, changed: false };
      requireAssignable(db, user, db.get<ProjectRow>("SELECT * FROM projects WHERE id = ?", [issue.project_id])!);
      const previous = usernameOf(db, issue.assignee_id);
      db.run("UPDATE issues SET assignee_id = ?, updated_at = ? WHERE id = ?", [user.id, now, issue.id]);
      addWatcher(db, issue.id, user.id, now);
      logActivity(db, issue, userId, now, "updated", "assignee", previous, user.username);
      return { key: issue.key, previous_assignee: previous, assignee: user.username, changed: true };
    },
  }),

  unassign_issue: tool({
    description: "Remove the assignee from an issue, leaving it unassigned.",
    input: () => z.object({ key }),
    annotations: { title: "Unassign issue", readOnly: false, destructive: false, idempotent: true },
    run: ({ key }, { db, userId, clock }) => {
      const now = clock.iso();
      const issue = findIssue(db, key);
      if (issue.assignee_id === null) return { key: issue.key, changed: false, note: "It was already unassigned." };
      const previous = usernameOf(db, issue.assignee_id);
      db.run("UPDATE issues SET assignee_id = NULL, updated_at = ? WHERE id = ?", [now, issue.id]);
      logActivity(db, issue, userId, now, "updated", "assignee", previous, null);
      return { key: issue.key, previous_assignee: previous, changed: true };
    },
  }),
};
