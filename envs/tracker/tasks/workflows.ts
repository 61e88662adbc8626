import { task, type ReadDb, type SolutionStep } from "worldfarm/sdk";
import { Checks, issueByKey, issuesWhere, labelNames, maxId, teamLoad, userId as idOf } from "./check.ts";

const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, medium: 2, low: 3, none: 4 };
const OPEN = "i.status NOT IN ('done', 'cancelled')";
const projectIs = (key: string) => `i.project_id = (SELECT id FROM projects WHERE key = '${key}')`;
const sprintOf = (db: ReadDb, project: string, state: string) =>
  db.get<{ id: number; name: string }>(
    `SELECT s.id, s.name FROM sprints s JOIN projects p ON p.id = s.project_id WHERE p.key = ? AND s.state = ?
     ORDER BY s.start_date, s.id LIMIT 1`,
    [project, state],
  );

/** Multi-step requests that touch several issues, sprints or teams. */
export const workflowTasks = [
  task({
    id: "plan-next-web-sprint",
    prompt:
      "Plan the next WEB sprint: take the three highest-priority unassigned bugs from the WEB backlog (older ones " +
      "first when priorities tie), add them to the next sprint, and assign all three to whoever on the Web team " +
      "currently has the fewest open issues.",
    verify: async ({ before, after }) => {
      const c = new Checks();
      const bugs = (
        await issuesWhere(
          before,
          `${projectIs("WEB")} AND i.type = 'bug' AND i.assignee_id IS NULL AND i.sprint_id IS NULL AND ${OPEN}`,
        )
      ).sort(
        (a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.created_at.localeCompare(b.created_at),
      );
      const chosen = bugs.slice(0, 3);
      const load = (await teamLoad(before, "WEBT")).sort((a, b) => a.open_issues - b.open_issues);
      c.check(
        "the least-loaded member is unique",
        load[0].open_issues < load[1].open_issues,
        "one person",
        load.slice(0, 2).map((m) => `${m.username}: ${m.open_issues}`),
      );
      const sprint = (await sprintOf(before, "WEB", "planned"))!;
      for (const bug of chosen) {
        const now = await issueByKey(after, bug.key);
        c.check(`${bug.key} in ${sprint.name}`, now?.sprint_id === sprint.id, sprint.id, now?.sprint_id ?? null);
        c.check(
          `${bug.key} assigned to ${load[0].username}`,
          now?.assignee_id === load[0].id,
          load[0].id,
          now?.assignee_id ?? null,
        );
      }
      const wasIn = new Set((await issuesWhere(before, "i.sprint_id = ?", [sprint.id])).map((i) => i.key));
      const added = (await issuesWhere(after, "i.sprint_id = ?", [sprint.id]))
        .map((i) => i.key)
        .filter((k) => !wasIn.has(k));
      c.check(
        "nothing else added to the sprint",
        added.length === chosen.length,
        chosen.map((b) => b.key),
        added,
      );
      return c.result();
    },
    solution: [
      {
        tool: "search_issues",
        args: { project: "WEB", type: "bug", assignee: "none", backlog_only: true, open_only: true },
      },
      { tool: "get_team", args: { team: "WEBT" } },
      { tool: "list_sprints", args: { project: "WEB", state: "planned" } },
      ...["WEB-25", "WEB-35", "WEB-45"].flatMap((key): SolutionStep[] => [
        { tool: "add_issue_to_sprint", args: { key, sprint_id: 4 } },
        { tool: "assign_issue", args: { key, assignee: "marcus.chen" } },
      ]),
    ],
  }),

  task({
    id: "complete-mobile-sprint",
    prompt:
      "Wrap up the current Mobile sprint: complete it, carry the unfinished work over into the next sprint, and start that next sprint.",
    verify: async ({ before, after }) => {
      const c = new Checks();
      const active = (await sprintOf(before, "MOB", "active"))!;
      const next = (await sprintOf(before, "MOB", "planned"))!;
      const state = async (id: number) =>
        (await after.get<{ state: string }>("SELECT state FROM sprints WHERE id = ?", [id]))?.state ?? null;
      c.check(
        `${active.name} completed`,
        (await state(active.id)) === "completed",
        "completed",
        await state(active.id),
      );
      c.check(`${next.name} started`, (await state(next.id)) === "active", "active", await state(next.id));
      for (const issue of await issuesWhere(before, "i.sprint_id = ?", [active.id])) {
        const now = await issueByKey(after, issue.key);
        const open = !["done", "cancelled"].includes(issue.status);
        const want = open ? next.id : active.id;
        c.check(
          `${issue.key} (${issue.status}) in ${open ? next.name : active.name}`,
          now?.sprint_id === want,
          want,
          now?.sprint_id ?? null,
        );
      }
      return c.result();
    },
    solution: [
      { tool: "list_sprints", args: { project: "MOB" } },
      { tool: "complete_sprint", args: { sprint_id: 10, move_open_issues_to: "next_sprint" } },
      { tool: "start_sprint", args: { sprint_id: 11 } },
    ],
  }),

  task({
    id: "close-my-duplicates",
    prompt:
      'Close all of my open issues that are labelled duplicate: resolve them as duplicates and leave a comment on each saying "Closing as a duplicate."',
    verify: async ({ before, after, userId }) => {
      const c = new Checks();
      const labelled = `i.id IN (SELECT il.issue_id FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE l.name = 'duplicate')`;
      const mine = await issuesWhere(before, `${labelled} AND i.assignee_id = ? AND ${OPEN}`, [userId]);
      c.check("there are issues to close", mine.length > 0, "at least one", mine.length);
      const firstNewComment = (await maxId(before, "comments")) + 1;
      for (const issue of mine) {
        const now = await issueByKey(after, issue.key);
        c.check(
          `${issue.key} cancelled as duplicate`,
          now?.status === "cancelled" && now.resolution === "duplicate",
          "cancelled/duplicate",
          now ? `${now.status}/${now.resolution}` : null,
        );
        const comment = await after.get<{ body: string }>(
          "SELECT body FROM comments WHERE issue_id = ? AND author_id = ? AND id >= ? AND lower(body) LIKE '%duplicate%'",
          [issue.id, userId, firstNewComment],
        );
        c.check(`${issue.key} has my closing comment`, !!comment, "Closing as a duplicate.", comment?.body ?? null);
      }
      for (const issue of await issuesWhere(before, `${labelled} AND (i.assignee_id IS NOT ? ) AND ${OPEN}`, [
        userId,
      ])) {
        const now = await issueByKey(after, issue.key);
        c.check(`${issue.key} (not mine) left open`, now?.status === issue.status, issue.status, now?.status ?? null);
      }
      return c.result();
    },
    solution: [
      { tool: "search_issues", args: { assignee: "me", label: "duplicate", open_only: true } },
      ...["WEB-61", "API-44", "WEB-63"].map((key) => ({
        tool: "transition_issue",
        args: { key, status: "cancelled", resolution: "duplicate", comment: "Closing as a duplicate." },
      })),
    ],
  }),

  task({
    id: "offboard-liam",
    prompt:
      "Liam O'Brien left the company on Friday. Hand all of his open issues over to Marcus Chen, then take Liam off the Web team.",
    verify: async ({ before, after }) => {
      const c = new Checks();
      const liam = await idOf(before, "liam.obrien");
      const marcus = await idOf(before, "marcus.chen");
      const open = await issuesWhere(before, `i.assignee_id = ? AND ${OPEN}`, [liam]);
      c.check("Liam had open issues", open.length > 0, "at least one", open.length);
      for (const issue of open) {
        const now = await issueByKey(after, issue.key);
        c.check(`${issue.key} assigned to marcus.chen`, now?.assignee_id === marcus, marcus, now?.assignee_id ?? null);
      }
      const member = await after.get(
        "SELECT 1 AS ok FROM team_members m JOIN teams t ON t.id = m.team_id WHERE t.key = 'WEBT' AND m.user_id = ?",
        [liam],
      );
      c.check("Liam removed from WEBT", !member, "not a member", member ? "still a member" : "not a member");
      return c.result();
    },
    solution: [
      { tool: "search_issues", args: { assignee: "liam.obrien", open_only: true } },
      ...["WEB-37", "WEB-40", "WEB-58", "WEB-38"].map((key) => ({
        tool: "assign_issue",
        args: { key, assignee: "marcus.chen" },
      })),
      { tool: "remove_team_member", args: { team: "WEBT", user: "liam.obrien" } },
    ],
  }),

  task({
    id: "triage-mobile-backlog",
    prompt:
      "Triage the MOB issues labelled needs-triage: move each one from the backlog to To Do, set the priority to " +
      "medium on any that have no priority, and remove the needs-triage label.",
    verify: async ({ before, after }) => {
      const c = new Checks();
      const targets = await issuesWhere(
        before,
        `${projectIs("MOB")} AND ${OPEN} AND i.id IN (SELECT il.issue_id FROM
        issue_labels il JOIN labels l ON l.id = il.label_id WHERE l.name = 'needs-triage')`,
      );
      c.check("there are issues to triage", targets.length > 0, "at least one", targets.length);
      for (const t of targets) {
        const now = await issueByKey(after, t.key);
        const want = t.priority === "none" ? "medium" : t.priority;
        c.check(`${t.key} status`, now?.status === "todo", "todo", now?.status ?? null);
        c.check(`${t.key} priority`, now?.priority === want, want, now?.priority ?? null);
        const labels = now ? await labelNames(after, now.id) : [];
        c.check(`${t.key} label removed`, !!now && !labels.includes("needs-triage"), "no needs-triage", labels);
      }
      return c.result();
    },
    solution: [
      { tool: "search_issues", args: { project: "MOB", label: "needs-triage", open_only: true } },
      ...[
        ["MOB-40", null],
        ["MOB-38", "medium"],
        ["MOB-45", "medium"],
      ].flatMap(([key, priority]): SolutionStep[] => [
        { tool: "transition_issue", args: { key: key!, status: "todo" } },
        ...(priority ? [{ tool: "update_issue", args: { key: key!, priority } }] : []),
        { tool: "remove_label", args: { key: key!, label: "needs-triage" } },
      ]),
    ],
  }),

  task({
    id: "unwatch-closed-web",
    prompt:
      "I'm drowning in notifications. Stop watching every WEB issue that is already done or cancelled, but keep watching the open ones.",
    verify: async ({ before, after, userId }) => {
      const c = new Checks();
      const watched = await issuesWhere(
        before,
        `${projectIs("WEB")} AND i.id IN (SELECT issue_id FROM watchers WHERE user_id = ?)`,
        [userId],
      );
      const stillWatched = new Set(
        (await after.query<{ issue_id: number }>("SELECT issue_id FROM watchers WHERE user_id = ?", [userId])).map(
          (w) => w.issue_id,
        ),
      );
      const closed = watched.filter((i) => ["done", "cancelled"].includes(i.status));
      c.check("there was something to unwatch", closed.length > 0, "at least one", closed.length);
      const stuck = closed.filter((i) => stillWatched.has(i.id)).map((i) => i.key);
      c.check("closed WEB issues no longer watched", stuck.length === 0, [], stuck);
      const dropped = watched.filter((i) => !closed.includes(i) && !stillWatched.has(i.id)).map((i) => i.key);
      c.check("open WEB issues still watched", dropped.length === 0, [], dropped);
      return c.result();
    },
    solution: [
      { tool: "list_watched_issues", args: { project: "WEB" } },
      ...[
        "WEB-4",
        "WEB-7",
        "WEB-9",
        "WEB-10",
        "WEB-11",
        "WEB-12",
        "WEB-13",
        "WEB-17",
        "WEB-19",
        "WEB-20",
        "WEB-56",
      ].map((key) => ({ tool: "unwatch_issue", args: { key } })),
    ],
  }),
];
