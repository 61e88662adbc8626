import type { Db } from "worldfarm/sdk";

export const STATUSES = ["backlog", "todo", "in_progress", "in_review", "done", "cancelled"] as const;
export const PRIORITIES = ["urgent", "high", "medium", "low", "none"] as const;
export const ISSUE_TYPES = ["epic", "story", "task", "bug", "subtask"] as const;
export const RESOLUTIONS = ["done", "wont_do", "duplicate", "cannot_reproduce", "obsolete"] as const;
export type Status = (typeof STATUSES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type IssueType = (typeof ISSUE_TYPES)[number];

/** SQL predicate for issues that still need work; `alias` is the issues table's alias. */
export const openSql = (alias = "i") => `${alias}.status NOT IN ('done', 'cancelled')`;
/** Sorts urgent first, "none" last. */
export const priorityRankSql = (alias = "i") =>
  `CASE ${alias}.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END`;

export const isClosed = (status: string) => status === "done" || status === "cancelled";

export type UserRow = { id: number; username: string; name: string; email: string; title: string; active: number };
export type ProjectRow = {
  id: number;
  key: string;
  name: string;
  description: string;
  team_id: number;
  lead_id: number;
  board: string;
  next_number: number;
  created_at: string;
};
export type IssueRow = {
  id: number;
  project_id: number;
  key: string;
  type: string;
  title: string;
  description: string;
  status: string;
  priority: string;
  resolution: string | null;
  assignee_id: number | null;
  reporter_id: number;
  story_points: number | null;
  due_date: string | null;
  parent_id: number | null;
  sprint_id: number | null;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
};
export type SprintRow = {
  id: number;
  project_id: number;
  name: string;
  goal: string | null;
  state: string;
  start_date: string;
  end_date: string;
  started_at: string | null;
  completed_at: string | null;
  completed_issues: number | null;
  completed_points: number | null;
  carried_over_issues: number | null;
  carried_over_points: number | null;
};

/** Accepts "me", a numeric id, a username, an email or a full name, case-insensitively. */
export function findUser(db: Db, ref: string, selfId: number): UserRow {
  const text = ref.trim();
  const cols = "id, username, name, email, title, active";
  const user =
    text.toLowerCase() === "me"
      ? db.get<UserRow>(`SELECT ${cols} FROM users WHERE id = ?`, [selfId])
      : /^\d+$/.test(text)
        ? db.get<UserRow>(`SELECT ${cols} FROM users WHERE id = ?`, [Number(text)])
        : db.get<UserRow>(
            `SELECT ${cols} FROM users WHERE lower(username) = lower(?) OR lower(email) = lower(?) OR lower(name) = lower(?)`,
            [text.replace(/^@/, ""), text, text],
          );
  if (!user) throw new Error(`No user matches "${ref}". Use list_users to look up usernames.`);
  return user;
}

export function findIssue(db: Db, key: string): IssueRow {
  const issue = db.get<IssueRow>("SELECT * FROM issues WHERE key = ?", [key.trim().toUpperCase()]);
  if (!issue) throw new Error(`No issue with key "${key}". Keys look like WEB-42; use search_issues to find one.`);
  return issue;
}

export function findProject(db: Db, key: string): ProjectRow {
  const project = db.get<ProjectRow>("SELECT * FROM projects WHERE key = ?", [key.trim().toUpperCase()]);
  if (!project) throw new Error(`No project with key "${key}". Use list_projects to see the project keys.`);
  return project;
}

export function findSprint(db: Db, id: number): SprintRow {
  const sprint = db.get<SprintRow>("SELECT * FROM sprints WHERE id = ?", [id]);
  if (!sprint) throw new Error(`No sprint with id ${id}. Use list_sprints with the project key to find sprint ids.`);
  return sprint;
}

/** Only members of the team that owns the project may be assigned its issues. */
export function requireAssignable(db: Db, user: UserRow, project: ProjectRow): void {
  if (!user.active) throw new Error(`${user.name} (${user.username}) is deactivated and cannot be assigned issues.`);
  const member = db.get("SELECT 1 AS ok FROM team_members WHERE team_id = ? AND user_id = ?", [
    project.team_id,
    user.id,
  ]);
  if (!member) {
    const team = db.get<{ key: string }>("SELECT key FROM teams WHERE id = ?", [project.team_id]);
    throw new Error(
      `${user.username} is not a member of team ${team?.key}, which owns ${project.key}. ` +
        `Assign a team member (see get_team) or add them with add_team_member first.`,
    );
  }
}

export function usernameOf(db: Db, id: number | null): string | null {
  if (id === null) return null;
  return db.get<{ username: string }>("SELECT username FROM users WHERE id = ?", [id])?.username ?? null;
}

export function logActivity(
  db: Db,
  issue: { id: number; key: string },
  actorId: number,
  at: string,
  action: string,
  field: string | null = null,
  oldValue: string | number | null = null,
  newValue: string | number | null = null,
): void {
  db.run(
    `INSERT INTO activity_log (issue_id, issue_key, actor_id, action, field, old_value, new_value, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      issue.id,
      issue.key,
      actorId,
      action,
      field,
      oldValue === null ? null : String(oldValue),
      newValue === null ? null : String(newValue),
      at,
    ],
  );
}

export function touch(db: Db, issueId: number, at: string): void {
  db.run("UPDATE issues SET updated_at = ? WHERE id = ?", [at, issueId]);
}

export function addWatcher(db: Db, issueId: number, userId: number, at: string): boolean {
  return (
    db.run("INSERT OR IGNORE INTO watchers (issue_id, user_id, created_at) VALUES (?, ?, ?)", [issueId, userId, at])
      .changes > 0
  );
}

export type IssueSummary = {
  key: string;
  title: string;
  type: string;
  status: string;
  priority: string;
  assignee: string | null;
  story_points: number | null;
  sprint_id: number | null;
  due_date: string | null;
  labels: string[];
};

const SUMMARY_SELECT = `
  SELECT i.key, i.title, i.type, i.status, i.priority, a.username AS assignee, i.story_points, i.sprint_id,
         i.due_date,
         (SELECT group_concat(l.name, ',') FROM issue_labels il JOIN labels l ON l.id = il.label_id
           WHERE il.issue_id = i.id) AS labels
  FROM issues i LEFT JOIN users a ON a.id = i.assignee_id`;

type SummaryRow = Omit<IssueSummary, "labels"> & { labels: string | null };

/** One-line views of issues; `rest` continues the query after FROM (WHERE/ORDER BY/LIMIT). */
export function issueSummaries(db: Db, rest: string, params: (string | number | null)[] = []): IssueSummary[] {
  return db.query<SummaryRow>(`${SUMMARY_SELECT} ${rest}`, params).map((row) => ({
    ...row,
    labels: row.labels ? row.labels.split(",").sort() : [],
  }));
}

/** Resolves a label by name, case-insensitively. */
export function findLabel(db: Db, name: string): { id: number; name: string } {
  const label = db.get<{ id: number; name: string }>("SELECT id, name FROM labels WHERE lower(name) = lower(?)", [
    name.trim(),
  ]);
  if (!label) throw new Error(`No label named "${name}". Use list_labels to see them, or create_label to add one.`);
  return label;
}

export const DATE = /^\d{4}-\d{2}-\d{2}$/;
