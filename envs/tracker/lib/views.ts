import type { Db, Json } from "worldfarm/sdk";
import { issueSummaries, type IssueRow } from "./index.ts";

const LINK_PHRASES: Record<string, [outward: string, inward: string]> = {
  blocks: ["blocks", "is blocked by"],
  duplicates: ["duplicates", "is duplicated by"],
  relates_to: ["relates to", "relates to"],
};

/** Everything an agent needs to know about one issue. */
export function issueDetail(db: Db, issueId: number): Json {
  const issue = db.get<IssueRow & { project_key: string; project_name: string }>(
    `SELECT i.*, p.key AS project_key, p.name AS project_name FROM issues i JOIN projects p ON p.id = i.project_id
     WHERE i.id = ?`,
    [issueId],
  )!;
  const person = (id: number | null) =>
    id === null
      ? null
      : (db.get<{ username: string; name: string }>("SELECT username, name FROM users WHERE id = ?", [id]) ?? null);
  const parent =
    issue.parent_id === null
      ? null
      : (db.get<{ key: string; title: string; type: string }>("SELECT key, title, type FROM issues WHERE id = ?", [
          issue.parent_id,
        ]) ?? null);
  const sprint =
    issue.sprint_id === null
      ? null
      : (db.get<{ id: number; name: string; state: string }>("SELECT id, name, state FROM sprints WHERE id = ?", [
          issue.sprint_id,
        ]) ?? null);
  const links = db
    .query<{ link_type: string; outward: number; key: string; title: string; status: string }>(
      `SELECT l.link_type, 1 AS outward, t.key, t.title, t.status FROM issue_links l JOIN issues t ON t.id = l.target_id
      WHERE l.source_id = ?
     UNION ALL
     SELECT l.link_type, 0, s.key, s.title, s.status FROM issue_links l JOIN issues s ON s.id = l.source_id
      WHERE l.target_id = ?
     ORDER BY 2 DESC, 3`,
      [issueId, issueId],
    )
    .map((l) => ({
      relation: LINK_PHRASES[l.link_type][l.outward ? 0 : 1],
      key: l.key,
      title: l.title,
      status: l.status,
    }));
  const watchers = db
    .query<{ username: string }>(
      "SELECT u.username FROM watchers w JOIN users u ON u.id = w.user_id WHERE w.issue_id = ? ORDER BY u.username",
      [issueId],
    )
    .map((w) => w.username);
  const labels = db
    .query<{ name: string }>(
      "SELECT l.name FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = ? ORDER BY l.name",
      [issueId],
    )
    .map((l) => l.name);
  const comments = db.get<{ n: number }>("SELECT count(*) AS n FROM comments WHERE issue_id = ?", [issueId])!.n;

  return {
    key: issue.key,
    title: issue.title,
    type: issue.type,
    status: issue.status,
    resolution: issue.resolution,
    priority: issue.priority,
    project: { key: issue.project_key, name: issue.project_name },
    description: issue.description,
    assignee: person(issue.assignee_id),
    reporter: person(issue.reporter_id),
    story_points: issue.story_points,
    due_date: issue.due_date,
    parent,
    children: issueSummaries(db, "WHERE i.parent_id = ? ORDER BY i.id", [issueId]),
    sprint,
    labels,
    watchers,
    links,
    comment_count: comments,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    resolved_at: issue.resolved_at,
  };
}
