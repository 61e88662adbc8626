import { task } from "worldfarm/sdk";
import { Checks, TODAY, issueByTitle, issuesWhere, mentions, teamLoad } from "./check.ts";

/** Question tasks: the answer must carry the value computed from the initial state. */
export const lookupTasks = [
  task({
    id: "api-sprint-points-left",
    prompt:
      "How many story points are still left in the API team's current sprint? Count everything that isn't done or cancelled.",
    verify: async ({ before, answer }) => {
      const c = new Checks();
      const sprint = await before.get<{ id: number; name: string; left: number }>(
        `SELECT s.id, s.name, (SELECT coalesce(sum(i.story_points), 0) FROM issues i
           WHERE i.sprint_id = s.id AND i.status NOT IN ('done', 'cancelled')) AS "left"
         FROM sprints s JOIN projects p ON p.id = s.project_id WHERE p.key = 'API' AND s.state = 'active'`,
      );
      c.check(
        "answer gives the open points of the active API sprint",
        mentions(answer, sprint!.left),
        `${sprint!.left} (${sprint!.name})`,
        answer,
      );
      return c.result();
    },
    solution: [
      { tool: "list_sprints", args: { project: "API", state: "active" } },
      { tool: "sprint_report", args: { sprint_id: 7 } },
    ],
    referenceAnswer:
      "API Sprint 16 still has 68 story points left to do, across 17 issues that are not done or cancelled.",
  }),

  task({
    id: "my-overdue-issues",
    prompt: "Which of my open issues are past their due date? Give me their keys.",
    verify: async ({ before, answer, userId }) => {
      const c = new Checks();
      const overdue = await issuesWhere(
        before,
        "i.assignee_id = ? AND i.status NOT IN ('done', 'cancelled') AND i.due_date < ?",
        [userId, TODAY],
      );
      c.check("there is something overdue to report", overdue.length > 0, "at least one", overdue.length);
      for (const issue of overdue) c.check(`answer names ${issue.key}`, mentions(answer, issue.key), issue.key, answer);
      return c.result();
    },
    solution: [{ tool: "get_my_issues", args: {} }],
    referenceAnswer:
      "Two of your open issues are overdue: WEB-15 (Replace moment.js with date-fns, due 2026-01-09) and API-31 (Rotate signing keys for JWT, due 2026-01-12). WEB-59 is due today.",
  }),

  task({
    id: "mobile-most-open-points",
    prompt: "Who on the Mobile team has the most open story points assigned to them right now, and how many?",
    verify: async ({ before, answer }) => {
      const c = new Checks();
      const load = (await teamLoad(before, "MOBT")).sort((a, b) => b.open_points - a.open_points);
      c.check(
        "the maximum is unique",
        load[0].open_points > load[1].open_points,
        "one person on top",
        load.slice(0, 2).map((m) => `${m.username}: ${m.open_points}`),
      );
      c.check(
        "answer names the person",
        mentions(answer, load[0].name) || mentions(answer, load[0].username),
        load[0].name,
        answer,
      );
      c.check("answer gives their open points", mentions(answer, load[0].open_points), load[0].open_points, answer);
      return c.result();
    },
    solution: [{ tool: "get_team", args: { team: "MOBT" } }],
    referenceAnswer: "Noah Johnson (noah.johnson) has the most: 17 open story points across 5 open issues.",
  }),

  task({
    id: "apple-pay-open-blockers",
    prompt:
      "What is still blocking Apple Pay on web checkout? Give me the keys of the blockers that aren't finished yet.",
    verify: async ({ before, answer }) => {
      const c = new Checks();
      const story = await issueByTitle(before, "Support Apple Pay on web checkout");
      const blockers = await issuesWhere(
        before,
        `i.id IN (SELECT source_id FROM issue_links WHERE target_id = ? AND link_type = 'blocks')
         AND i.status NOT IN ('done', 'cancelled')`,
        [story!.id],
      );
      c.check("there is an open blocker", blockers.length > 0, "at least one", blockers.length);
      for (const b of blockers)
        c.check(`answer names ${b.key}`, mentions(answer, b.key), `${b.key} (${b.title})`, answer);
      return c.result();
    },
    solution: [
      { tool: "search_issues", args: { text: "Apple Pay" } },
      { tool: "get_issue", args: { key: "WEB-49" } },
    ],
    referenceAnswer:
      "WEB-49 is still blocked by API-52 (Idempotency keys for POST endpoints), which is in To Do. Its other blocker, WEB-26 (Redesign plan selection step), is already done.",
  }),
];
