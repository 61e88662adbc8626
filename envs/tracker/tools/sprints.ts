import { tool, z, type Db } from "worldfarm/sdk";
import {
  DATE,
  findIssue,
  findProject,
  findSprint,
  issueSummaries,
  logActivity,
  openSql,
  priorityRankSql,
  type IssueRow,
  type SprintRow,
} from "../lib/index.ts";

const sprintId = z.number().int().describe("Sprint id (see list_sprints).");
const DAY = 86_400_000;

/** Moves an issue and its sub-tasks to a sprint (or the backlog, with null), logging each move. */
function moveToSprint(db: Db, issue: IssueRow, to: SprintRow | null, actorId: number, at: string): void {
  const from = issue.sprint_id === null ? null : findSprint(db, issue.sprint_id).name;
  const moved = [
    issue,
    ...db.query<IssueRow>("SELECT * FROM issues WHERE parent_id = ? AND type = 'subtask'", [issue.id]),
  ];
  for (const item of moved) {
    db.run("UPDATE issues SET sprint_id = ?, updated_at = ? WHERE id = ?", [to?.id ?? null, at, item.id]);
    logActivity(db, item, actorId, at, "updated", "sprint", from, to?.name ?? null);
  }
}

/** The planned sprint of a project that starts soonest: where unfinished work goes by default. */
function nextPlanned(db: Db, sprint: SprintRow): SprintRow | undefined {
  return db.get<SprintRow>(
    "SELECT * FROM sprints WHERE project_id = ? AND state = 'planned' AND id != ? ORDER BY start_date, id LIMIT 1",
    [sprint.project_id, sprint.id],
  );
}

export const sprintTools = {
  list_sprints: tool({
    description:
      "A project's sprints (oldest first) with state, dates, goal, and how many issues and points each holds.",
    input: () =>
      z.object({
        project: z.string().describe('Project key, e.g. "WEB".'),
        state: z.enum(["planned", "active", "completed"]).optional().describe("Only sprints in this state."),
      }),
    annotations: { title: "List sprints", readOnly: true, idempotent: true },
    run: ({ project, state }, { db }) => {
      const found = findProject(db, project);
      const sprints = db.query<{
        id: number;
        name: string;
        state: string;
        goal: string | null;
        start_date: string;
        end_date: string;
        issues: number;
        points: number;
      }>(
        `SELECT s.id, s.name, s.state, s.goal, s.start_date, s.end_date,
           (SELECT count(*) FROM issues i WHERE i.sprint_id = s.id) AS issues,
           (SELECT coalesce(sum(i.story_points), 0) FROM issues i WHERE i.sprint_id = s.id) AS points
         FROM sprints s WHERE s.project_id = ? AND (? IS NULL OR s.state = ?) ORDER BY s.start_date, s.id`,
        [found.id, state ?? null, state ?? null],
      );
      return { project: found.key, sprints };
    },
  }),

  get_sprint: tool({
    description: "One sprint with its goal, dates and every issue in it (most urgent first).",
    input: () => z.object({ sprint_id: sprintId }),
    annotations: { title: "Get sprint", readOnly: true, idempotent: true },
    run: ({ sprint_id }, { db }) => {
      const sprint = findSprint(db, sprint_id);
      const issues = issueSummaries(db, `WHERE i.sprint_id = ? ORDER BY ${priorityRankSql()}, i.id`, [sprint.id]);
      return {
        id: sprint.id,
        name: sprint.name,
        state: sprint.state,
        goal: sprint.goal,
        start_date: sprint.start_date,
        end_date: sprint.end_date,
        issues,
      };
    },
  }),

  create_sprint: tool({
    description: "Plan a new sprint in a scrum project. It starts in state planned; use start_sprint to begin it.",
    input: () =>
      z.object({
        project: z.string().describe('Project key, e.g. "API".'),
        name: z.string().min(2).max(60).describe('Sprint name, e.g. "API Sprint 18".'),
        start_date: z.string().regex(DATE).describe("First day, YYYY-MM-DD."),
        end_date: z.string().regex(DATE).describe("Last day, YYYY-MM-DD; after start_date."),
        goal: z.string().max(300).optional().describe("What the sprint should achieve."),
      }),
    annotations: { title: "Create sprint", readOnly: false, destructive: false, idempotent: false },
    run: ({ project, name, start_date, end_date, goal }, { db, clock }) => {
      const found = findProject(db, project);
      if (found.board !== "scrum") throw new Error(`${found.key} uses a kanban board, which has no sprints.`);
      if (end_date <= start_date) throw new Error("end_date must be after start_date.");
      if (db.get("SELECT 1 AS ok FROM sprints WHERE project_id = ? AND lower(name) = lower(?)", [found.id, name])) {
        throw new Error(`${found.key} already has a sprint named "${name}".`);
      }
      const now = clock.iso();
      const id = db.run(
        "INSERT INTO sprints (project_id, name, goal, state, start_date, end_date, created_at) VALUES (?, ?, ?, 'planned', ?, ?, ?)",
        [found.id, name, goal ?? null, start_date, end_date, now],
      ).lastRowId;
      return { id, project: found.key, name, state: "planned", start_date, end_date, goal: goal ?? null };
    },
  }),

  start_sprint: tool({
    description: "Start a planned sprint. A project can have only one active sprint at a time.",
    input: () => z.object({ sprint_id: sprintId }),
    annotations: { title: "Start sprint", readOnly: false, destructive: false, idempotent: false },
    run: ({ sprint_id }, { db, clock }) => {
      const sprint = findSprint(db, sprint_id);
      if (sprint.state !== "planned")
        throw new Error(`${sprint.name} is ${sprint.state}; only planned sprints can be started.`);
      const active = db.get<{ id: number; name: string }>(
        "SELECT id, name FROM sprints WHERE project_id = ? AND state = 'active'",
        [sprint.project_id],
      );
      if (active)
        throw new Error(`${active.name} (id ${active.id}) is still active; complete it with complete_sprint first.`);
      const now = clock.iso();
      db.run("UPDATE sprints SET state = 'active', started_at = ? WHERE id = ?", [now, sprint.id]);
      const issues = db.get<{ n: number }>("SELECT count(*) AS n FROM issues WHERE sprint_id = ?", [sprint.id])!.n;
      return { id: sprint.id, name: sprint.name, state: "active", started_at: now, issues };
    },
  }),

  complete_sprint: tool({
    description:
      "Complete the active sprint. Done and cancelled issues stay in it as history; every other issue moves to the " +
      "project's next planned sprint (default) or to the backlog.",
    input: () =>
      z.object({
        sprint_id: sprintId,
        move_open_issues_to: z
          .enum(["next_sprint", "backlog"])
          .optional()
          .describe(
            "Where unfinished issues go: next_sprint (the planned sprint starting soonest; default) or backlog.",
          ),
      }),
    annotations: { title: "Complete sprint", readOnly: false, destructive: false, idempotent: false },
    run: ({ sprint_id, move_open_issues_to }, { db, userId, clock }) => {
      const sprint = findSprint(db, sprint_id);
      if (sprint.state !== "active")
        throw new Error(`${sprint.name} is ${sprint.state}; only the active sprint can be completed.`);
      const target = move_open_issues_to === "backlog" ? null : (nextPlanned(db, sprint) ?? null);
      if (move_open_issues_to !== "backlog" && !target) {
        throw new Error(
          "There is no planned sprint to move unfinished issues into. Create one with create_sprint, " +
            'or pass move_open_issues_to: "backlog".',
        );
      }
      const now = clock.iso();
      // Each unfinished issue moves on its own, so sub-tasks already done stay behind as history.
      const carried = db.query<IssueRow>(
        `SELECT * FROM issues i WHERE i.sprint_id = ? AND ${openSql()} ORDER BY i.id`,
        [sprint.id],
      );
      const done = db.get<{ n: number; pts: number }>(
        "SELECT count(*) AS n, coalesce(sum(story_points), 0) AS pts FROM issues WHERE sprint_id = ? AND status = 'done'",
        [sprint.id],
      )!;
      for (const issue of carried) {
        db.run("UPDATE issues SET sprint_id = ?, updated_at = ? WHERE id = ?", [target?.id ?? null, now, issue.id]);
        logActivity(db, issue, userId, now, "updated", "sprint", sprint.name, target?.name ?? null);
      }
      const carriedPoints = carried.reduce((sum, i) => sum + (i.story_points ?? 0), 0);
      db.run(
        `UPDATE sprints SET state = 'completed', completed_at = ?, completed_issues = ?, completed_points = ?,
           carried_over_issues = ?, carried_over_points = ? WHERE id = ?`,
        [now, done.n, done.pts, carried.length, carriedPoints, sprint.id],
      );
      return {
        id: sprint.id,
        name: sprint.name,
        state: "completed",
        completed_issues: done.n,
        completed_points: done.pts,
        moved_to: target ? { id: target.id, name: target.name } : "backlog",
        moved_issues: carried.map((i) => i.key),
        moved_points: carriedPoints,
      };
    },
  }),

  add_issue_to_sprint: tool({
    description:
      "Put an issue (with its sub-tasks) into a planned or active sprint of the same project, taking it out of any " +
      "other sprint. Epics and individual sub-tasks cannot be added.",
    input: () => z.object({ key: z.string().describe('Issue key, e.g. "WEB-42".'), sprint_id: sprintId }),
    annotations: { title: "Add issue to sprint", readOnly: false, destructive: false, idempotent: true },
    run: ({ key, sprint_id }, { db, userId, clock }) => {
      const issue = findIssue(db, key);
      const sprint = findSprint(db, sprint_id);
      if (issue.type === "epic") throw new Error("Epics span sprints; add their stories, tasks and bugs instead.");
      if (issue.type === "subtask")
        throw new Error("Sub-tasks follow their parent; add the parent issue to the sprint.");
      if (sprint.project_id !== issue.project_id)
        throw new Error(`${sprint.name} belongs to another project than ${issue.key}.`);
      if (sprint.state === "completed")
        throw new Error(`${sprint.name} is completed; pick a planned or active sprint.`);
      if (issue.sprint_id === sprint.id) return { key: issue.key, sprint: sprint.name, changed: false };
      if (
        issue.sprint_id !== null &&
        findSprint(db, issue.sprint_id).state === "completed" &&
        issue.status === "done"
      ) {
        throw new Error(`${issue.key} was finished in a completed sprint; reopen it first if there is more work.`);
      }
      moveToSprint(db, issue, sprint, userId, clock.iso());
      return { key: issue.key, sprint: sprint.name, sprint_id: sprint.id, changed: true };
    },
  }),

  remove_issue_from_sprint: tool({
    description: "Move an issue (with its sub-tasks) out of its planned or active sprint, back to the backlog.",
    input: () => z.object({ key: z.string().describe('Issue key, e.g. "WEB-42".') }),
    annotations: { title: "Remove issue from sprint", readOnly: false, destructive: false, idempotent: true },
    run: ({ key }, { db, userId, clock }) => {
      const issue = findIssue(db, key);
      if (issue.type === "subtask") throw new Error("Sub-tasks follow their parent; remove the parent issue instead.");
      if (issue.sprint_id === null) return { key: issue.key, changed: false, note: "It is already in the backlog." };
      const sprint = findSprint(db, issue.sprint_id);
      if (sprint.state === "completed")
        throw new Error(`${sprint.name} is completed; its issues are history and stay there.`);
      moveToSprint(db, issue, null, userId, clock.iso());
      return { key: issue.key, removed_from: sprint.name, changed: true };
    },
  }),

  sprint_report: tool({
    description:
      "Progress of a sprint: committed, done and remaining issues and story points (remaining = not done or " +
      "cancelled), breakdown by status and assignee, days left, and for completed sprints what was carried over.",
    input: () => z.object({ sprint_id: sprintId }),
    annotations: { title: "Sprint report", readOnly: true, idempotent: true },
    run: ({ sprint_id }, { db, clock }) => {
      const sprint = findSprint(db, sprint_id);
      const totals = db.get<{
        issues: number;
        points: number;
        done_issues: number;
        done_points: number;
        remaining_issues: number;
        remaining_points: number;
      }>(
        `SELECT count(*) AS issues, coalesce(sum(story_points), 0) AS points,
           coalesce(sum(status = 'done'), 0) AS done_issues,
           coalesce(sum(CASE WHEN status = 'done' THEN story_points END), 0) AS done_points,
           coalesce(sum(status NOT IN ('done', 'cancelled')), 0) AS remaining_issues,
           coalesce(sum(CASE WHEN status NOT IN ('done', 'cancelled') THEN story_points END), 0) AS remaining_points
         FROM issues WHERE sprint_id = ?`,
        [sprint.id],
      )!;
      const byStatus = Object.fromEntries(
        db
          .query<{ status: string; n: number }>(
            "SELECT status, count(*) AS n FROM issues WHERE sprint_id = ? GROUP BY status",
            [sprint.id],
          )
          .map((r) => [r.status, r.n]),
      );
      const byAssignee = db.query<{
        assignee: string | null;
        issues: number;
        done_points: number;
        remaining_points: number;
      }>(
        `SELECT u.username AS assignee, count(*) AS issues,
           coalesce(sum(CASE WHEN i.status = 'done' THEN i.story_points END), 0) AS done_points,
           coalesce(sum(CASE WHEN ${openSql()} THEN i.story_points END), 0) AS remaining_points
         FROM issues i LEFT JOIN users u ON u.id = i.assignee_id WHERE i.sprint_id = ? GROUP BY u.username ORDER BY u.username`,
        [sprint.id],
      );
      const daysLeft =
        sprint.state === "active"
          ? Math.max(
              0,
              Math.round((Date.parse(`${sprint.end_date}T00:00:00Z`) - Date.parse(`${clock.today()}T00:00:00Z`)) / DAY),
            )
          : null;
      return {
        id: sprint.id,
        name: sprint.name,
        state: sprint.state,
        goal: sprint.goal,
        start_date: sprint.start_date,
        end_date: sprint.end_date,
        days_left: daysLeft,
        ...totals,
        by_status: byStatus,
        by_assignee: byAssignee,
        carried_over:
          sprint.state === "completed"
            ? { issues: sprint.carried_over_issues, points: sprint.carried_over_points }
            : null,
      };
    },
  }),
};
