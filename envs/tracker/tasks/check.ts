import type { Json, ReadDb, VerifyResult } from "worldfarm/sdk";

/** The world's first day: tasks that speak of "today" or "overdue" mean this date. */
export const TODAY = "2026-01-15";

/** Collects named facts (expected vs found) for the judge; complete only if every check passed. */
export class Checks {
  private facts: Record<string, Json> = {};
  private passed = true;

  check(name: string, pass: boolean, expected: Json, found: Json): boolean {
    this.facts[name] = { pass, expected, found };
    this.passed &&= pass;
    return pass;
  }

  result(): VerifyResult {
    return { complete: this.passed, info: this.facts };
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether the answer names an issue key, a number or a name as a whole token (WEB-2 does not match WEB-25). */
export function mentions(answer: string | null, value: string | number): boolean {
  if (answer === null) return false;
  return new RegExp(`(^|[^A-Za-z0-9.-])${escapeRegExp(String(value))}($|[^A-Za-z0-9-]|\\.(?!\\d))`, "i").test(answer);
}

export type IssueFacts = {
  id: number;
  key: string;
  title: string;
  type: string;
  status: string;
  priority: string;
  resolution: string | null;
  assignee_id: number | null;
  sprint_id: number | null;
  parent_id: number | null;
  created_at: string;
};

const ISSUE_COLUMNS =
  "i.id, i.key, i.title, i.type, i.status, i.priority, i.resolution, i.assignee_id, i.sprint_id, i.parent_id, i.created_at";

export const issueByKey = (db: ReadDb, key: string) =>
  db.get<IssueFacts>(`SELECT ${ISSUE_COLUMNS} FROM issues i WHERE i.key = ?`, [key]);

export const issueByTitle = (db: ReadDb, title: string) =>
  db.get<IssueFacts>(`SELECT ${ISSUE_COLUMNS} FROM issues i WHERE i.title = ? ORDER BY i.id`, [title]);

/** Issues matching a WHERE clause over `issues i`, oldest first. */
export const issuesWhere = (db: ReadDb, where: string, params: (string | number)[] = []) =>
  db.query<IssueFacts>(`SELECT ${ISSUE_COLUMNS} FROM issues i WHERE ${where} ORDER BY i.created_at, i.id`, params);

export const labelNames = async (db: ReadDb, issueId: number) =>
  (
    await db.query<{ name: string }>(
      "SELECT l.name FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = ? ORDER BY l.name",
      [issueId],
    )
  ).map((l) => l.name);

export const userId = async (db: ReadDb, username: string) =>
  (await db.get<{ id: number }>("SELECT id FROM users WHERE username = ?", [username]))!.id;

export const maxId = async (db: ReadDb, table: string) =>
  (await db.get<{ id: number | null }>(`SELECT max(id) AS id FROM ${table}`))!.id ?? 0;

/** Open story points assigned to each member of a team, by the team's key. */
export const teamLoad = (db: ReadDb, teamKey: string) =>
  db.query<{ id: number; username: string; name: string; open_issues: number; open_points: number }>(
    `SELECT u.id, u.username, u.name,
       (SELECT count(*) FROM issues i WHERE i.assignee_id = u.id AND i.status NOT IN ('done', 'cancelled')) AS open_issues,
       (SELECT coalesce(sum(i.story_points), 0) FROM issues i WHERE i.assignee_id = u.id AND i.status NOT IN ('done', 'cancelled')) AS open_points
     FROM team_members m JOIN teams t ON t.id = m.team_id JOIN users u ON u.id = m.user_id WHERE t.key = ? ORDER BY u.id`,
    [teamKey],
  );
