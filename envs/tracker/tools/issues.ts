import { tool, z, type Db } from "worldfarm/sdk";
import {
  DATE,
  ISSUE_TYPES,
  PRIORITIES,
  STATUSES,
  addWatcher,
  findIssue,
  findLabel,
  findProject,
  findSprint,
  findUser,
  issueSummaries,
  logActivity,
  openSql,
  priorityRankSql,
  requireAssignable,
  touch,
  usernameOf,
  type IssueRow,
  type ProjectRow,
} from "../lib/index.ts";
import { issueDetail } from "../lib/views.ts";

const key = z.string().describe('Issue key, e.g. "WEB-42".');
const dueDate = z.string().regex(DATE).describe("Due date as YYYY-MM-DD.");
const points = z.number().int().min(0).max(100).describe("Story point estimate (0-100).");

/** Checks the parent an issue of `type` may have: epics group work, sub-tasks split a regular issue. */
function resolveParent(
  db: Db,
  project: ProjectRow,
  type: string,
  parentKey: string | null | undefined,
): IssueRow | null {
  if (type === "epic" && parentKey) throw new Error("Epics cannot have a parent.");
  if (type === "subtask" && !parentKey)
    throw new Error("A sub-task needs parent_key: the story, task or bug it belongs to.");
  if (!parentKey) return null;
  const parent = findIssue(db, parentKey);
  if (parent.project_id !== project.id)
    throw new Error(`${parent.key} is in another project; parents must be in ${project.key}.`);
  if (type === "subtask" && (parent.type === "epic" || parent.type === "subtask")) {
    throw new Error(`A sub-task's parent must be a story, task or bug; ${parent.key} has type ${parent.type}.`);
  }
  if (type !== "subtask" && parent.type !== "epic") {
    throw new Error(
      `Only epics can be parents of a ${type}; ${parent.key} has type ${parent.type}. Use type "subtask" to split it.`,
    );
  }
  return parent;
}

const SORTS = {
  priority: `${priorityRankSql()}, i.id`,
  created: "i.created_at DESC, i.id DESC",
  updated: "i.updated_at DESC, i.id DESC",
  due_date: "i.due_date IS NULL, i.due_date, i.id",
};

export const issueTools = {
  search_issues: tool({
    description:
      "Find issues with any combination of filters. Returns one line per issue (key, title, status, priority, assignee, " +
      "points, sprint, labels) and the total match count; page with limit/offset. Use get_issue for full details.",
    input: () =>
      z.object({
        project: z.string().optional().describe('Project key, e.g. "WEB". Omit to search every project.'),
        status: z
          .array(z.enum(STATUSES))
          .optional()
          .describe('Only issues in one of these statuses, e.g. ["todo", "in_progress"].'),
        open_only: z.boolean().optional().describe("true to leave out done and cancelled issues."),
        assignee: z
          .string()
          .optional()
          .describe('Username, email or full name; "me" for my issues; "none" for unassigned ones.'),
        reporter: z
          .string()
          .optional()
          .describe('Username, email or full name of the reporter; "me" for issues I reported.'),
        label: z.string().optional().describe('Only issues carrying this label, e.g. "security".'),
        type: z.enum(ISSUE_TYPES).optional().describe("Only issues of this type."),
        priority: z.enum(PRIORITIES).optional().describe("Only issues with this priority."),
        sprint_id: z.number().int().optional().describe("Only issues in this sprint (ids come from list_sprints)."),
        backlog_only: z
          .boolean()
          .optional()
          .describe("true for issues that are in no sprint (the backlog); epics are left out."),
        parent: z.string().optional().describe("Key of an epic or parent issue: only its direct children."),
        text: z
          .string()
          .optional()
          .describe("Words that must all appear in the key, title or description (case-insensitive)."),
        sort: z
          .enum(["priority", "created", "updated", "due_date"])
          .optional()
          .describe("priority (urgent first, default), created or updated (newest first), due_date (soonest first)."),
        limit: z.number().int().min(1).max(100).optional().describe("Page size, default 25."),
        offset: z.number().int().min(0).optional().describe("How many matches to skip, default 0."),
      }),
    annotations: { title: "Search issues", readOnly: true, idempotent: true },
    run: (input, { db, userId }) => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const add = (clause: string, ...values: (string | number)[]) => (where.push(clause), params.push(...values));
      if (input.project) add("i.project_id = ?", findProject(db, input.project).id);
      if (input.status?.length) add(`i.status IN (${input.status.map(() => "?").join(", ")})`, ...input.status);
      if (input.open_only) add(openSql());
      if (input.assignee) {
        if (["none", "unassigned"].includes(input.assignee.trim().toLowerCase())) add("i.assignee_id IS NULL");
        else add("i.assignee_id = ?", findUser(db, input.assignee, userId).id);
      }
      if (input.reporter) add("i.reporter_id = ?", findUser(db, input.reporter, userId).id);
      if (input.label)
        add(
          "EXISTS (SELECT 1 FROM issue_labels il WHERE il.issue_id = i.id AND il.label_id = ?)",
          findLabel(db, input.label).id,
        );
      if (input.type) add("i.type = ?", input.type);
      if (input.priority) add("i.priority = ?", input.priority);
      if (input.sprint_id !== undefined) add("i.sprint_id = ?", findSprint(db, input.sprint_id).id);
      if (input.backlog_only) add("i.sprint_id IS NULL AND i.type != 'epic'");
      if (input.parent) add("i.parent_id = ?", findIssue(db, input.parent).id);
      for (const word of (input.text ?? "").toLowerCase().split(/\s+/).filter(Boolean)) {
        add(
          "(lower(i.key) LIKE ? OR lower(i.title) LIKE ? OR lower(i.description) LIKE ?)",
          ...Array(3).fill(`%${word}%`),
        );
      }
      const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
      const total = db.get<{ n: number }>(`SELECT count(*) AS n FROM issues i ${filter}`, params)!.n;
      const limit = input.limit ?? 25;
      const offset = input.offset ?? 0;
      const issues = issueSummaries(db, `${filter} ORDER BY ${SORTS[input.sort ?? "priority"]} LIMIT ? OFFSET ?`, [
        ...params,
        limit,
        offset,
      ]);
      return { total, offset, count: issues.length, issues };
    },
  }),

  get_issue: tool({
    description:
      "Full details of one issue: description, people, estimate, due date, parent and children, sprint, labels, " +
      "watchers, links to other issues and comment count.",
    input: () => z.object({ key }),
    annotations: { title: "Get issue", readOnly: true, idempotent: true },
    run: ({ key }, { db }) => issueDetail(db, findIssue(db, key).id),
  }),

  get_my_issues: tool({
    description: "Issues assigned to me (the logged-in user), most urgent first, then soonest due.",
    input: () =>
      z.object({
        include_closed: z.boolean().optional().describe("true to include done and cancelled issues; default false."),
        project: z.string().optional().describe('Limit to one project key, e.g. "API".'),
      }),
    annotations: { title: "My issues", readOnly: true, idempotent: true },
    run: ({ include_closed, project }, { db, userId }) => {
      const where = ["i.assignee_id = ?"];
      const params: (string | number)[] = [userId];
      if (!include_closed) where.push(openSql());
      if (project) where.push("i.project_id = ?"), params.push(findProject(db, project).id);
      const issues = issueSummaries(
        db,
        `WHERE ${where.join(" AND ")} ORDER BY ${priorityRankSql()}, i.due_date IS NULL, i.due_date, i.id`,
        params,
      );
      return { count: issues.length, issues };
    },
  }),

  create_issue: tool({
    description:
      "Create an issue in a project; I am the reporter. It starts in status todo when placed in a sprint, otherwise in " +
      "backlog. Sub-tasks need parent_key and follow their parent's sprint. Returns the new issue with its key.",
    input: () =>
      z.object({
        project: z.string().describe('Project key, e.g. "WEB".'),
        title: z.string().min(3).max(200).describe("Short summary of the work or problem."),
        type: z.enum(ISSUE_TYPES).optional().describe("Issue type; default task."),
        description: z.string().max(10_000).optional().describe("Details, steps to reproduce or acceptance criteria."),
        priority: z.enum(PRIORITIES).optional().describe("Default medium."),
        assignee: z
          .string()
          .optional()
          .describe('Username, email, full name or "me"; must belong to the project\'s team.'),
        story_points: points.optional(),
        due_date: dueDate.optional(),
        parent_key: z
          .string()
          .optional()
          .describe("Epic key for a story/task/bug, or the parent issue's key for a sub-task."),
        labels: z
          .array(z.string())
          .optional()
          .describe('Existing label names, e.g. ["security", "customer-reported"].'),
        sprint_id: z
          .number()
          .int()
          .optional()
          .describe("Put the issue straight into this planned or active sprint of the project."),
      }),
    annotations: { title: "Create issue", readOnly: false, destructive: false, idempotent: false },
    run: (input, { db, userId, clock }) => {
      const now = clock.iso();
      const project = findProject(db, input.project);
      const type = input.type ?? "task";
      const parent = resolveParent(db, project, type, input.parent_key);
      let sprintId: number | null = null;
      if (type === "subtask") {
        if (input.sprint_id !== undefined)
          throw new Error("Sub-tasks follow their parent's sprint; leave sprint_id out.");
        sprintId = parent!.sprint_id;
      } else if (input.sprint_id !== undefined) {
        if (type === "epic") throw new Error("Epics span sprints and cannot be put in one.");
        const sprint = findSprint(db, input.sprint_id);
        if (sprint.project_id !== project.id) throw new Error(`Sprint ${sprint.id} belongs to another project.`);
        if (sprint.state === "completed")
          throw new Error(`${sprint.name} is completed; choose a planned or active sprint.`);
        sprintId = sprint.id;
      }
      const assignee = input.assignee ? findUser(db, input.assignee, userId) : null;
      if (assignee) requireAssignable(db, assignee, project);
      const labels = (input.labels ?? []).map((name) => findLabel(db, name));

      const number = project.next_number;
      const issueKey = `${project.key}-${number}`;
      db.run("UPDATE projects SET next_number = next_number + 1 WHERE id = ?", [project.id]);
      const id = db.run(
        `INSERT INTO issues (project_id, number, key, type, title, description, status, priority, assignee_id, reporter_id,
           story_points, due_date, parent_id, sprint_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          project.id,
          number,
          issueKey,
          type,
          input.title.trim(),
          input.description ?? "",
          sprintId ? "todo" : "backlog",
          input.priority ?? "medium",
          assignee?.id ?? null,
          userId,
          input.story_points ?? null,
          input.due_date ?? null,
          parent?.id ?? null,
          sprintId,
          now,
          now,
        ],
      ).lastRowId;
      for (const label of labels)
        db.run("INSERT OR IGNORE INTO issue_labels (issue_id, label_id) VALUES (?, ?)", [id, label.id]);
      addWatcher(db, id, userId, now);
      if (assignee) addWatcher(db, id, assignee.id, now);
      logActivity(db, { id, key: issueKey }, userId, now, "created");
      return issueDetail(db, id);
    },
  }),

  update_issue: tool({
    description:
      "Change an issue's title, description, priority, estimate, due date or epic/parent. Pass only the fields to " +
      "change; null clears a field. Status changes go through transition_issue, people through assign_issue.",
    input: () =>
      z.object({
        key,
        title: z.string().min(3).max(200).optional().describe("New title."),
        description: z.string().max(10_000).optional().describe("New description (replaces the old one)."),
        priority: z.enum(PRIORITIES).optional().describe("New priority."),
        story_points: points.nullable().optional().describe("New estimate; null removes it."),
        due_date: dueDate.nullable().optional().describe("New due date as YYYY-MM-DD; null removes it."),
        parent_key: z
          .string()
          .nullable()
          .optional()
          .describe("Move under this epic (or parent, for sub-tasks); null detaches it from its epic."),
      }),
    annotations: { title: "Update issue", readOnly: false, destructive: false, idempotent: true },
    run: (input, { db, userId, clock }) => {
      const now = clock.iso();
      const issue = findIssue(db, input.key);
      const changes: [
        field: string,
        column: string,
        oldValue: string | number | null,
        newValue: string | number | null,
      ][] = [];
      const consider = (field: string, column: keyof IssueRow, value: string | number | null | undefined) => {
        if (value !== undefined && value !== issue[column]) changes.push([field, column, issue[column], value]);
      };
      consider("title", "title", input.title?.trim());
      consider("description", "description", input.description);
      consider("priority", "priority", input.priority);
      consider("story_points", "story_points", input.story_points);
      consider("due_date", "due_date", input.due_date);
      if (input.parent_key !== undefined) {
        if (input.parent_key === null && issue.type === "subtask") throw new Error("A sub-task must keep a parent.");
        const project = db.get<ProjectRow>("SELECT * FROM projects WHERE id = ?", [issue.project_id])!;
        const parent = resolveParent(db, project, issue.type, input.parent_key);
        if (parent?.id === issue.id) throw new Error("An issue cannot be its own parent.");
        if (issue.type === "subtask" && parent!.id !== issue.parent_id) {
          throw new Error("Sub-tasks cannot move to another parent; create a new sub-task there instead.");
        }
        consider("parent", "parent_id", parent?.id ?? null);
      }
      if (!changes.length)
        return { key: issue.key, changed: [], note: "Nothing to change: every value given equals the current one." };
      for (const [field, column, oldValue, newValue] of changes) {
        db.run(`UPDATE issues SET ${column} = ? WHERE id = ?`, [newValue, issue.id]);
        const show = (v: string | number | null) =>
          field === "parent" && v !== null
            ? db.get<{ key: string }>("SELECT key FROM issues WHERE id = ?", [v])!.key
            : v;
        logActivity(
          db,
          issue,
          userId,
          now,
          "updated",
          field,
          field === "description" ? null : show(oldValue),
          field === "description" ? null : show(newValue),
        );
      }
      touch(db, issue.id, now);
      return { key: issue.key, changed: changes.map(([field]) => field), issue: issueDetail(db, issue.id) };
    },
  }),

  delete_issue: tool({
    description:
      "Permanently delete an issue with its comments, labels, watchers and links. Only its reporter or the project " +
      "lead may do this. Delete its sub-tasks first; an epic's children are kept and detached. Cannot be undone.",
    input: () => z.object({ key }),
    annotations: { title: "Delete issue", readOnly: false, destructive: true, idempotent: false },
    run: ({ key }, { db, userId, clock }) => {
      const now = clock.iso();
      const issue = findIssue(db, key);
      const project = db.get<ProjectRow>("SELECT * FROM projects WHERE id = ?", [issue.project_id])!;
      if (userId !== issue.reporter_id && userId !== project.lead_id) {
        throw new Error(
          `Only the reporter (${usernameOf(db, issue.reporter_id)}) or the ${project.key} lead ` +
            `(${usernameOf(db, project.lead_id)}) can delete ${issue.key}. Ask them, or cancel it with transition_issue instead.`,
        );
      }
      const subtasks = db.query<{ key: string }>("SELECT key FROM issues WHERE parent_id = ? AND type = 'subtask'", [
        issue.id,
      ]);
      if (subtasks.length) {
        throw new Error(`${issue.key} has sub-tasks (${subtasks.map((s) => s.key).join(", ")}); delete them first.`);
      }
      const children = db.query<{ id: number; key: string }>("SELECT id, key FROM issues WHERE parent_id = ?", [
        issue.id,
      ]);
      for (const child of children) {
        db.run("UPDATE issues SET parent_id = NULL, updated_at = ? WHERE id = ?", [now, child.id]);
        logActivity(db, child, userId, now, "updated", "parent", issue.key, null);
      }
      for (const table of ["issue_labels", "comments", "watchers"])
        db.run(`DELETE FROM ${table} WHERE issue_id = ?`, [issue.id]);
      db.run("DELETE FROM issue_links WHERE source_id = ? OR target_id = ?", [issue.id, issue.id]);
      db.run("UPDATE activity_log SET issue_id = NULL WHERE issue_id = ?", [issue.id]);
      db.run("DELETE FROM issues WHERE id = ?", [issue.id]);
      db.run(
        "INSERT INTO activity_log (issue_id, issue_key, actor_id, action, created_at) VALUES (NULL, ?, ?, 'deleted', ?)",
        [issue.key, userId, now],
      );
      return { deleted: issue.key, title: issue.title, detached_children: children.map((c) => c.key) };
    },
  }),

  get_issue_activity: tool({
    description:
      "The history of an issue, oldest first: creation, field changes, status transitions, assignments, sprint moves.",
    input: () => z.object({ key }),
    annotations: { title: "Issue activity", readOnly: true, idempotent: true },
    run: ({ key }, { db }) => {
      const issue = findIssue(db, key);
      const entries = db.query<{
        at: string;
        actor: string;
        action: string;
        field: string | null;
        from: string | null;
        to: string | null;
      }>(
        `SELECT a.created_at AS at, u.username AS actor, a.action, a.field, a.old_value AS "from", a.new_value AS "to"
         FROM activity_log a JOIN users u ON u.id = a.actor_id WHERE a.issue_id = ? ORDER BY a.created_at, a.id`,
        [issue.id],
      );
      return { key: issue.key, entries };
    },
  }),
};
