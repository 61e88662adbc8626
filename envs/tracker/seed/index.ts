import { fixedRandom, insertRow, type Db, type SeedRandom as Rng } from "worldfarm/sdk";
import { isClosed, type IssueType, type Priority, type Status } from "../lib/index.ts";
import {
  COMMENTS,
  LABELS,
  PROJECTS,
  TEAMS,
  TRANSITIONS,
  USERS,
  type Bucket,
  type IssueSpec,
  type ProjectSpec,
  type SprintSpec,
} from "./data.ts";

const DAY = 86_400_000;
const ms = (iso: string) => new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso).getTime();
const iso = (t: number) => new Date(t).toISOString();
/** A working-hours timestamp uniformly between two instants. */
const between = (rng: Rng, from: number, to: number) => {
  const day = Math.floor((from + rng.next() * Math.max(0, to - from)) / DAY) * DAY;
  return Math.min(Math.max(day + rng.int(8 * 60, 18 * 60) * 60_000 + rng.int(0, 59) * 1000, from), to);
};
const LAST_SEEDED = ms("2026-01-15T08:30:00Z");

type Planned = {
  spec: IssueSpec;
  epic: Planned | null;
  parent: Planned | null;
  bucket: Bucket;
  status: Status;
  created: number;
  id?: number;
  assignee?: number | null;
};

/** The sprint a bucket stands for, if the project has one. */
function sprintOf(project: ProjectSpec, bucket: Bucket): SprintSpec | undefined {
  const { done, active, next } = project.sprints;
  return bucket === "active"
    ? active
    : bucket === "next"
      ? next
      : bucket === "backlog"
        ? undefined
        : done[Number(bucket.slice(4))];
}

export function seed(db: Db): void {
  // Not the instance's random source: task solutions name issue keys and ids, so every instance must start from
  // the very same world. A fixed seed keeps the filler varied but identical everywhere.
  const rng = fixedRandom(20260115);

  for (const [i, status] of ["backlog", "todo", "in_progress", "in_review", "done", "cancelled"].entries()) {
    insertRow(db, "workflow_statuses", {
      status,
      category: i < 2 ? "todo" : i < 4 ? "in_progress" : "done",
      position: i + 1,
    });
  }
  for (const [from_status, to_status, name] of TRANSITIONS)
    insertRow(db, "workflow_transitions", { from_status, to_status, name });
  for (const [i, [username, name, title, timezone, active]] of USERS.entries()) {
    insertRow(db, "users", {
      username,
      name,
      email: `${username}@lumen.io`,
      title,
      timezone,
      active,
      created_at: iso(ms("2024-03-04T15:00:00Z") + i * 23 * DAY),
    });
  }
  const teamIds = new Map<string, number>();
  TEAMS.forEach(([key, name, description, members], i) => {
    const created = ms("2024-06-03T12:00:00Z") + i * 40 * DAY;
    teamIds.set(key, insertRow(db, "teams", { key, name, description, created_at: iso(created) }));
    for (const [j, [user_id, role]] of members.entries()) {
      insertRow(db, "team_members", {
        team_id: teamIds.get(key)!,
        user_id,
        role,
        joined_at: iso(created + (j + 1) * 9 * DAY),
      });
    }
  });
  const labelIds = new Map(
    LABELS.map(([name, color, description]) => [name, insertRow(db, "labels", { name, color, description })]),
  );

  const teamMembers = (key: string) => TEAMS.find(([k]) => k === key)![3].map(([id]) => id);
  const byTitle = new Map<string, number>();
  const sprintIds: number[] = [];

  for (const project of PROJECTS) {
    const projectId = insertRow(db, "projects", {
      key: project.key,
      name: project.name,
      description: project.description,
      team_id: teamIds.get(project.team)!,
      lead_id: project.lead,
      board: project.board,
      created_at: iso(ms(project.created)),
    });
    const sprints = insertSprints(project, projectId);
    sprintIds.push(...Object.values(sprints).filter((id): id is number => id !== undefined));
    const planned = planIssues(rng, project);
    const members = teamMembers(project.team);
    planned.forEach((p, index) => {
      p.id = insertIssue(p, index + 1, project, projectId, sprints, members);
      if (!byTitle.has(p.spec.title)) byTitle.set(p.spec.title, p.id);
    });
    db.run("UPDATE projects SET next_number = ? WHERE id = ?", [planned.length + 1, projectId]);
  }
  insertLinks(byTitle);
  for (const id of sprintIds) recordSprintOutcome(id);

  function insertSprints(project: ProjectSpec, projectId: number): Partial<Record<Bucket, number>> {
    const { done, active, next } = project.sprints;
    const add = (s: SprintSpec, state: string) =>
      insertRow(db, "sprints", {
        project_id: projectId,
        name: s.name,
        goal: s.goal,
        state,
        start_date: s.start,
        end_date: s.end,
        started_at: state === "planned" ? null : iso(ms(s.start) + 9.5 * 3_600_000),
        completed_at: state === "completed" ? iso(ms(s.end) + 16 * 3_600_000) : null,
        created_at: iso(Math.min(ms(s.start) - 10 * DAY + 14 * 3_600_000, LAST_SEEDED)),
      });
    const ids: Partial<Record<Bucket, number>> = {};
    for (const [i, s] of done.entries()) ids[`done${i}` as Bucket] = add(s, "completed");
    if (active) ids.active = add(active, "active");
    if (next) ids.next = add(next, "planned");
    return ids;
  }

  function insertIssue(
    p: Planned,
    number: number,
    project: ProjectSpec,
    projectId: number,
    sprints: Partial<Record<Bucket, number>>,
    members: number[],
  ): number {
    const { spec, status } = p;
    const sprintId = sprints[p.bucket] ?? null;
    const sprint = sprintOf(project, p.bucket);
    const closed = isClosed(status);
    const assignee =
      spec.assignee !== undefined
        ? spec.assignee
        : p.parent && rng.next() < 0.7
          ? (p.parent.assignee ?? null)
          : spec.type === "epic"
            ? project.lead
            : rng.next() < unassignedChance(p)
              ? null
              : rng.pick(project.assignable);
    const reporter =
      spec.reporter ??
      (p.created < ms("2025-11-15") && rng.next() < 0.15
        ? 17
        : rng.pick([...members.filter((m) => m !== 15 && m !== 16), 14, 14]));
    const resolved = !closed
      ? null
      : sprint
        ? Math.max(
            p.created + DAY,
            between(rng, ms(sprint.start), Math.min(ms(sprint.end) + 16 * 3_600_000, LAST_SEEDED)),
          )
        : between(rng, p.created + DAY, LAST_SEEDED);
    const updated = resolved ?? between(rng, p.created, LAST_SEEDED);
    const due =
      spec.due !== undefined
        ? spec.due
        : !closed && spec.type !== "subtask" && rng.next() < 0.2
          ? iso(between(rng, ms("2026-01-16"), ms("2026-02-27"))).slice(0, 10)
          : null;
    p.assignee = assignee;
    const key = `${project.key}-${number}`;
    const id = insertRow(db, "issues", {
      project_id: projectId,
      number,
      key,
      type: spec.type,
      title: spec.title,
      description: spec.description ?? describe(rng, spec.type, spec.title, p.parent?.spec.title),
      status,
      priority: spec.priority ?? randomPriority(rng, spec.type),
      resolution:
        status === "done"
          ? "done"
          : status === "cancelled"
            ? (spec.resolution ?? rng.pick(["wont_do", "obsolete"]))
            : null,
      assignee_id: assignee,
      reporter_id: reporter,
      story_points: spec.points !== undefined ? spec.points : randomPoints(rng, p),
      due_date: due,
      parent_id: (p.parent ?? p.epic)?.id ?? null,
      sprint_id: sprintId,
      created_at: iso(p.created),
      updated_at: iso(updated),
      resolved_at: resolved === null ? null : iso(resolved),
    });
    for (const label of spec.labels) insertRow(db, "issue_labels", { issue_id: id, label_id: labelIds.get(label)! });

    const log = (
      action: string,
      at: number,
      actor: number,
      field: string | null = null,
      oldV: string | null = null,
      newV: string | null = null,
    ) =>
      insertRow(db, "activity_log", {
        issue_id: id,
        issue_key: key,
        actor_id: actor,
        action,
        field,
        old_value: oldV,
        new_value: newV,
        created_at: iso(at),
      });
    log("created", p.created, reporter);
    const watchers = new Set([reporter, ...(assignee ? [assignee] : [])]);
    if (assignee) log("updated", p.created + 3_600_000, reporter, "assignee", null, USERS[assignee - 1][0]);
    if (sprint)
      log(
        "updated",
        Math.max(p.created + 2 * 3_600_000, ms(sprint.start) - DAY),
        project.lead,
        "sprint",
        null,
        sprint.name,
      );
    if (status !== "backlog" && status !== "todo") {
      log(
        "status_changed",
        resolved ?? updated,
        assignee ?? reporter,
        "status",
        status === "cancelled" ? "backlog" : "todo",
        status,
      );
    }
    const extra = rng.int(0, 2);
    for (let i = 0; i < extra; i++) watchers.add(rng.pick(members));
    for (const user of watchers) insertRow(db, "watchers", { issue_id: id, user_id: user, created_at: iso(p.created) });

    const commentCount = rng.weighted([
      [0, 35],
      [1, 35],
      [2, 20],
      [3, 10],
    ]);
    const talkers = [...watchers].filter((u) => USERS[u - 1][4] === 1);
    let at = p.created;
    for (let i = 0; i < commentCount; i++) {
      at = between(rng, at + 3_600_000, resolved ?? LAST_SEEDED);
      insertRow(db, "comments", {
        issue_id: id,
        author_id: rng.pick(talkers),
        body: rng.pick(COMMENTS),
        created_at: iso(at),
        updated_at: iso(at),
      });
    }
    return id;
  }

  function insertLinks(ids: Map<string, number>): void {
    const links: [string, "blocks" | "relates_to", string][] = [
      ["Idempotency keys for POST endpoints", "blocks", "Support Apple Pay on web checkout"],
      ["Redesign plan selection step", "blocks", "Support Apple Pay on web checkout"],
      ["A/B test single-page checkout", "relates_to", "Support Apple Pay on web checkout"],
      [
        "Duplicate invoice.paid events sent on retry",
        "relates_to",
        "Retry failed webhook deliveries with exponential backoff",
      ],
      ["Refresh token accepted after revocation", "blocks", "Fine-grained OAuth scopes for read/write"],
      ["Cursor-based pagination for /invoices", "blocks", "Update SDKs for cursor pagination"],
      ["Release build crashes on Android 8 devices", "blocks", "Write release notes for 4.2"],
      ["SSO login fails on Android 14", "relates_to", "Refresh token accepted after revocation"],
      ["Migrate Terraform state to a remote backend", "blocks", "Upgrade Kubernetes clusters to 1.31"],
      [
        "Crash on launch for users with emoji in workspace name",
        "relates_to",
        "Webhook signatures fail when payload contains emoji",
      ],
    ];
    for (const [from, link_type, to] of links) {
      const rows = db.query<{ reporter_id: number; created_at: string }>(
        "SELECT reporter_id, created_at FROM issues WHERE id IN (?, ?) ORDER BY created_at DESC",
        [ids.get(from)!, ids.get(to)!],
      );
      insertRow(db, "issue_links", {
        source_id: ids.get(from)!,
        target_id: ids.get(to)!,
        link_type,
        created_by: rows[1].reporter_id,
        created_at: iso(Math.min(ms(rows[0].created_at) + DAY, LAST_SEEDED)),
      });
    }
  }

  /** Completed sprints keep their numbers; some unfinished work "was carried" into the following sprint. */
  function recordSprintOutcome(id: number): void {
    const sprint = db.get<{ state: string; project_id: number; start_date: string; end_date: string }>(
      "SELECT state, project_id, start_date, end_date FROM sprints WHERE id = ?",
      [id],
    )!;
    if (sprint.state !== "completed") return;
    const done = db.get<{ n: number; pts: number }>(
      "SELECT count(*) AS n, coalesce(sum(story_points), 0) AS pts FROM issues WHERE sprint_id = ? AND status = 'done'",
      [id],
    )!;
    const carried = db
      .query<{ pts: number | null }>(
        `SELECT story_points AS pts FROM issues WHERE sprint_id = (SELECT id FROM sprints WHERE project_id = ? AND start_date > ?
         ORDER BY start_date LIMIT 1) AND type != 'subtask' AND created_at < ? ORDER BY id`,
        [sprint.project_id, sprint.start_date, sprint.start_date],
      )
      .filter(() => rng.next() < 0.4)
      .slice(0, 3);
    db.run(
      `UPDATE sprints SET completed_issues = ?, completed_points = ?, carried_over_issues = ?, carried_over_points = ?
       WHERE id = ?`,
      [done.n, done.pts, carried.length, carried.reduce((s, c) => s + (c.pts ?? 0), 0), id],
    );
  }
}

function planIssues(rng: Rng, project: ProjectSpec): Planned[] {
  const doneBuckets = project.sprints.done.map((_, i) => `done${i}` as Bucket);
  const start = ms(project.created);
  const all: Planned[] = [];
  project.epics.forEach((epic, i) => {
    const epicPlan: Planned = {
      spec: {
        type: "epic",
        title: epic.title,
        labels: [],
        description: epic.description,
        priority: "high",
        points: null,
        due: null,
      },
      epic: null,
      parent: null,
      bucket: "backlog",
      status: epic.status,
      created: start + (i + 1) * 3 * DAY + i * 3 * 3_600_000,
    };
    all.push(epicPlan);
    for (const child of epic.children) all.push(...planOne(child, epicPlan));
  });
  for (const spec of project.issues) all.push(...planOne(spec, null));

  // Numbers follow creation order, as in a real tracker.
  return all.sort((a, b) => a.created - b.created);

  function planOne(spec: IssueSpec, epic: Planned | null): Planned[] {
    const scrum = project.board === "scrum";
    const bucket: Bucket =
      spec.bucket ??
      (scrum
        ? rng.weighted<Bucket>([
            ...doneBuckets.map((b): [Bucket, number] => [b, 0.4 / doneBuckets.length]),
            ["active", 0.22],
            ["next", 0.1],
            ["backlog", 0.28],
          ])
        : "backlog");
    const status: Status =
      spec.status ??
      (!scrum
        ? rng.weighted<Status>([
            ["backlog", 30],
            ["todo", 20],
            ["in_progress", 20],
            ["in_review", 8],
            ["done", 22],
          ])
        : bucket.startsWith("done")
          ? rng.weighted<Status>([
              ["done", 92],
              ["cancelled", 8],
            ])
          : bucket === "active"
            ? rng.weighted<Status>([
                ["todo", 30],
                ["in_progress", 30],
                ["in_review", 15],
                ["done", 25],
              ])
            : bucket === "next"
              ? "todo"
              : rng.weighted<Status>([
                  ["backlog", 68],
                  ["todo", 22],
                  ["cancelled", 10],
                ]));
    const sprint = sprintOf(project, bucket);
    const latest = Math.min(sprint ? ms(sprint.start) - DAY : LAST_SEEDED, LAST_SEEDED);
    const earliest = Math.max(start + 20 * DAY, latest - 75 * DAY);
    const created = spec.created ? ms(spec.created) : between(rng, earliest, latest);
    const plan: Planned = { spec, epic, parent: null, bucket, status, created };
    const subtasks = (spec.subtasks ?? []).map(
      (title, i): Planned => ({
        spec: { type: "subtask", title, labels: [] },
        epic: null,
        parent: plan,
        bucket,
        status: subtaskStatus(rng, status),
        created: created + (i + 1) * 1_200_000,
      }),
    );
    return [plan, ...subtasks];
  }
}

function subtaskStatus(rng: Rng, parent: Status): Status {
  if (parent === "in_progress" || parent === "in_review") return rng.pick<Status>(["todo", "in_progress", "done"]);
  return parent;
}

function unassignedChance(p: Planned): number {
  if (p.bucket.startsWith("done") || !["backlog", "todo"].includes(p.status)) return 0;
  if (p.bucket === "active") return 0.05;
  if (p.bucket === "next") return 0.25;
  return p.status === "backlog" ? 0.55 : 0.2;
}

function randomPriority(rng: Rng, type: IssueType): Priority {
  return type === "bug"
    ? rng.weighted<Priority>([
        ["urgent", 6],
        ["high", 30],
        ["medium", 40],
        ["low", 18],
        ["none", 6],
      ])
    : rng.weighted<Priority>([
        ["urgent", 2],
        ["high", 20],
        ["medium", 45],
        ["low", 23],
        ["none", 10],
      ]);
}

function randomPoints(rng: Rng, p: Planned): number | null {
  if (p.spec.type === "epic") return null;
  if (p.spec.type === "subtask") return rng.next() < 0.5 ? null : rng.int(1, 2);
  if (p.bucket === "backlog" && rng.next() < 0.35) return null;
  return rng.weighted([
    [1, 15],
    [2, 25],
    [3, 30],
    [5, 20],
    [8, 10],
  ]);
}

function describe(rng: Rng, type: IssueType, title: string, parent?: string): string {
  switch (type) {
    case "bug":
      return rng.pick([
        `Reported through support and reproduced on the latest build.\n\nActual: ${title.toLowerCase()}.\nExpected: the flow works as documented.\n\nLogs and the customer's workspace id are in the support ticket.`,
        `Steps to reproduce:\n1. Sign in as a workspace admin\n2. Go through the affected flow\n3. Observe: ${title.toLowerCase()}\n\nSeen in production, frequency unknown.`,
      ]);
    case "story":
      return `${title}.\n\nAcceptance criteria:\n- Behaviour matches the design spec\n- Covered by automated tests\n- Released behind a feature flag`;
    case "task":
      return `${title}.\n\nDone when it is merged, deployed to staging and noted in the changelog.`;
    default:
      return `Part of "${parent}".`;
  }
}
