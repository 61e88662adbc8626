import { task } from "worldfarm/sdk";
import { Checks, issueByKey, issueByTitle, issuesWhere, labelNames, maxId, userId as idOf } from "./check.ts";

/** Tasks that change one issue, or a few, in a couple of steps. */
export const editTasks = [
  task({
    id: "file-3ds-checkout-bug",
    prompt:
      'File a high-priority bug in WEB titled "Checkout fails for cards that require 3-D Secure", assign it to ' +
      "Sofia, label it customer-reported and put it in the current sprint.",
    verify: async ({ before, after }) => {
      const c = new Checks();
      const created = await issuesWhere(after, "i.id > ? AND lower(i.title) LIKE '%3-d secure%'", [
        await maxId(before, "issues"),
      ]);
      if (
        !c.check(
          "one new issue about 3-D Secure",
          created.length === 1,
          1,
          created.map((i) => i.key),
        )
      )
        return c.result();
      const issue = created[0];
      const sprint = await before.get<{ id: number }>(
        "SELECT s.id FROM sprints s JOIN projects p ON p.id = s.project_id WHERE p.key = 'WEB' AND s.state = 'active'",
      );
      c.check("in WEB", issue.key.startsWith("WEB-"), "WEB-*", issue.key);
      c.check("type", issue.type === "bug", "bug", issue.type);
      c.check("priority", issue.priority === "high", "high", issue.priority);
      c.check("assignee", issue.assignee_id === (await idOf(before, "sofia.rossi")), "sofia.rossi", issue.assignee_id);
      c.check("in the active WEB sprint", issue.sprint_id === sprint!.id, sprint!.id, issue.sprint_id);
      const labels = await labelNames(after, issue.id);
      c.check("labelled customer-reported", labels.includes("customer-reported"), "customer-reported", labels);
      return c.result();
    },
    solution: [
      { tool: "list_sprints", args: { project: "WEB", state: "active" } },
      {
        tool: "create_issue",
        args: {
          project: "WEB",
          title: "Checkout fails for cards that require 3-D Secure",
          type: "bug",
          priority: "high",
          assignee: "sofia.rossi",
          labels: ["customer-reported"],
          sprint_id: 3,
        },
      },
    ],
  }),

  task({
    id: "send-web-55-to-review",
    prompt: "I've finished WEB-55, please send it to review.",
    verify: async ({ after }) => {
      const c = new Checks();
      const issue = await issueByKey(after, "WEB-55");
      c.check("WEB-55 status", issue?.status === "in_review", "in_review", issue?.status ?? null);
      return c.result();
    },
    solution: [{ tool: "transition_issue", args: { key: "WEB-55", status: "in_review" } }],
  }),

  task({
    id: "close-api-14",
    prompt: "API-14 (request ids on error responses) was reviewed and merged this morning. Mark it as done.",
    verify: async ({ after }) => {
      const c = new Checks();
      const issue = await issueByKey(after, "API-14");
      c.check("API-14 status", issue?.status === "done", "done", issue?.status ?? null);
      c.check("API-14 resolution", issue?.resolution === "done", "done", issue?.resolution ?? null);
      return c.result();
    },
    solution: [
      { tool: "list_transitions", args: { key: "API-14" } },
      { tool: "transition_issue", args: { key: "API-14", status: "in_review" } },
      { tool: "transition_issue", args: { key: "API-14", status: "done" } },
    ],
  }),

  task({
    id: "link-credit-notes",
    prompt:
      "The mobile credit-notes screen can't ship before the API exposes credit notes. Record that \"Expose credit " +
      'notes via the API" blocks the MOB story for showing credit notes on the invoice detail screen, and comment on ' +
      "the MOB story that it is waiting on that API issue (mention its key).",
    verify: async ({ before, after, userId }) => {
      const c = new Checks();
      const api = (await issueByTitle(before, "Expose credit notes via the API"))!;
      const mob = (await issueByTitle(before, "Show credit notes on the invoice detail screen"))!;
      const link = await after.get(
        "SELECT 1 AS ok FROM issue_links WHERE source_id = ? AND target_id = ? AND link_type = 'blocks'",
        [api.id, mob.id],
      );
      c.check(`${api.key} blocks ${mob.key}`, !!link, "link present", link ? "present" : "missing");
      const comments = await after.query<{ body: string }>(
        "SELECT body FROM comments WHERE issue_id = ? AND author_id = ? AND id > ?",
        [mob.id, userId, await maxId(before, "comments")],
      );
      c.check(
        `new comment on ${mob.key} mentions ${api.key}`,
        comments.some((cm) => cm.body.toUpperCase().includes(api.key)),
        api.key,
        comments.map((cm) => cm.body),
      );
      return c.result();
    },
    solution: [
      { tool: "search_issues", args: { text: "credit notes" } },
      { tool: "link_issues", args: { key: "API-29", link_type: "blocks", other_key: "MOB-24" } },
      {
        tool: "add_comment",
        args: { key: "MOB-24", body: "Waiting on API-29 (Expose credit notes via the API) before this can ship." },
      },
    ],
  }),

  task({
    id: "escalate-api-security",
    prompt: "Security review: raise every open API issue labelled security to urgent priority.",
    verify: async ({ before, after }) => {
      const c = new Checks();
      const where = `i.project_id = (SELECT id FROM projects WHERE key = 'API') AND i.status NOT IN ('done', 'cancelled')
        AND i.id IN (SELECT il.issue_id FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE l.name = 'security')`;
      const targets = (await issuesWhere(before, where)).filter((i) => i.priority !== "urgent");
      c.check("there are issues to raise", targets.length > 0, "at least one", targets.length);
      for (const t of targets) {
        const now = await issueByKey(after, t.key);
        c.check(`${t.key} priority`, now?.priority === "urgent", "urgent", now?.priority ?? null);
      }
      const ids = new Set((await issuesWhere(before, where)).map((i) => i.id));
      const others = (await issuesWhere(before, "1 = 1")).filter((i) => !ids.has(i.id));
      const afterById = new Map((await issuesWhere(after, "1 = 1")).map((i) => [i.id, i.priority]));
      const changed = others.filter((i) => afterById.has(i.id) && afterById.get(i.id) !== i.priority).map((i) => i.key);
      c.check("no other issue's priority changed", changed.length === 0, [], changed);
      return c.result();
    },
    solution: [
      { tool: "search_issues", args: { project: "API", label: "security", open_only: true } },
      ...["API-9", "API-32", "API-48", "API-31", "API-17"].map((key) => ({
        tool: "update_issue",
        args: { key, priority: "urgent" },
      })),
    ],
  }),

  task({
    id: "reopen-badge-regression",
    prompt:
      "The notifications badge bug in WEB is back: the count never resets again. Reopen that issue, assign it to me and make it urgent.",
    verify: async ({ before, after, userId }) => {
      const c = new Checks();
      const was = (await issueByTitle(before, "Notifications badge count never resets"))!;
      const now = await issueByKey(after, was.key);
      c.check(
        `${was.key} is open again`,
        !!now && !["done", "cancelled"].includes(now.status),
        "an open status",
        now?.status ?? null,
      );
      c.check(`${was.key} resolution cleared`, now?.resolution === null, null, now?.resolution ?? null);
      c.check(`${was.key} assignee`, now?.assignee_id === userId, userId, now?.assignee_id ?? null);
      c.check(`${was.key} priority`, now?.priority === "urgent", "urgent", now?.priority ?? null);
      return c.result();
    },
    solution: [
      { tool: "search_issues", args: { project: "WEB", text: "notifications badge" } },
      { tool: "transition_issue", args: { key: "WEB-24", status: "todo" } },
      { tool: "assign_issue", args: { key: "WEB-24", assignee: "me" } },
      { tool: "update_issue", args: { key: "WEB-24", priority: "urgent" } },
    ],
  }),

  task({
    id: "delete-spanish-duplicate",
    prompt:
      'I accidentally created the MOB story "Localize the app into Spanish" twice. Delete the newer copy and keep the original.',
    verify: async ({ before, after }) => {
      const c = new Checks();
      const copies = await issuesWhere(before, "i.title = 'Localize the app into Spanish'");
      const [original, newer] = [copies[0], copies[copies.length - 1]];
      c.check(
        "two copies existed",
        copies.length === 2,
        2,
        copies.map((i) => i.key),
      );
      c.check(`newer copy ${newer.key} deleted`, !(await issueByKey(after, newer.key)), "deleted", newer.key);
      c.check(`original ${original.key} kept`, !!(await issueByKey(after, original.key)), "kept", original.key);
      return c.result();
    },
    solution: [
      { tool: "search_issues", args: { project: "MOB", text: "Spanish" } },
      { tool: "delete_issue", args: { key: "MOB-48" } },
    ],
  }),

  task({
    id: "rate-limiting-epic",
    prompt: 'Create an epic in API called "Rate limiting v2" and put API-11, API-30 and API-45 under it.',
    verify: async ({ before, after }) => {
      const c = new Checks();
      const epics = await issuesWhere(after, "i.id > ? AND i.type = 'epic' AND lower(i.title) = 'rate limiting v2'", [
        await maxId(before, "issues"),
      ]);
      if (
        !c.check(
          "one new epic named Rate limiting v2",
          epics.length === 1,
          1,
          epics.map((e) => e.key),
        )
      )
        return c.result();
      c.check("epic is in API", epics[0].key.startsWith("API-"), "API-*", epics[0].key);
      for (const key of ["API-11", "API-30", "API-45"]) {
        const child = await issueByKey(after, key);
        c.check(`${key} parent`, child?.parent_id === epics[0].id, epics[0].key, child?.parent_id ?? null);
      }
      return c.result();
    },
    solution: [
      { tool: "create_issue", args: { project: "API", title: "Rate limiting v2", type: "epic" } },
      ...["API-11", "API-30", "API-45"].map((key) => ({ tool: "update_issue", args: { key, parent_key: "API-55" } })),
    ],
  }),

  task({
    id: "pick-up-infra-bug",
    prompt:
      "I have some time today: take the oldest unassigned high-priority bug in INFRA, assign it to me and start working on it.",
    verify: async ({ before, after, userId }) => {
      const c = new Checks();
      const candidates = await issuesWhere(
        before,
        `i.project_id = (SELECT id FROM projects WHERE key = 'INFRA') AND i.type = 'bug' AND i.priority = 'high'
         AND i.assignee_id IS NULL AND i.status NOT IN ('done', 'cancelled')`,
      );
      if (!c.check("a candidate exists", candidates.length > 0, "at least one", candidates.length)) return c.result();
      const now = await issueByKey(after, candidates[0].key);
      c.check(`${candidates[0].key} assignee`, now?.assignee_id === userId, userId, now?.assignee_id ?? null);
      c.check(`${candidates[0].key} status`, now?.status === "in_progress", "in_progress", now?.status ?? null);
      return c.result();
    },
    solution: [
      {
        tool: "search_issues",
        args: { project: "INFRA", type: "bug", priority: "high", assignee: "none", open_only: true, sort: "created" },
      },
      { tool: "assign_issue", args: { key: "INFRA-19", assignee: "me" } },
      { tool: "transition_issue", args: { key: "INFRA-19", status: "in_progress" } },
    ],
  }),
];
