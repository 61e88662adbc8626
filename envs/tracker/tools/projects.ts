import { tool, z } from "worldfarm/sdk";
import { findProject, findUser, openSql } from "../lib/index.ts";

export const projectTools = {
  list_projects: tool({
    description: "All projects with their key, owning team, lead, board type, open issue count and active sprint.",
    input: () => z.object({}),
    annotations: { title: "List projects", readOnly: true, idempotent: true },
    run: (_input, { db }) => ({
      projects: db.query<{
        key: string;
        name: string;
        team: string;
        lead: string;
        board: string;
        open_issues: number;
        active_sprint: string | null;
      }>(
        `SELECT p.key, p.name, t.key AS team, u.username AS lead, p.board,
           (SELECT count(*) FROM issues i WHERE i.project_id = p.id AND ${openSql()}) AS open_issues,
           (SELECT s.name FROM sprints s WHERE s.project_id = p.id AND s.state = 'active') AS active_sprint
         FROM projects p JOIN teams t ON t.id = p.team_id JOIN users u ON u.id = p.lead_id ORDER BY p.key`,
      ),
    }),
  }),

  get_project: tool({
    description:
      "One project in detail: description, team, lead, issue counts per status, its sprints and its epics with progress.",
    input: () => z.object({ key: z.string().describe('Project key, e.g. "WEB".') }),
    annotations: { title: "Get project", readOnly: true, idempotent: true },
    run: ({ key }, { db }) => {
      const project = findProject(db, key);
      const meta = db.get<{ team: string; team_name: string; lead: string }>(
        `SELECT t.key AS team, t.name AS team_name, u.username AS lead FROM teams t, users u WHERE t.id = ? AND u.id = ?`,
        [project.team_id, project.lead_id],
      )!;
      const byStatus = Object.fromEntries(
        db
          .query<{ status: string; n: number }>(
            "SELECT status, count(*) AS n FROM issues WHERE project_id = ? GROUP BY status",
            [project.id],
          )
          .map((r) => [r.status, r.n]),
      );
      const sprints = db.query<{ id: number; name: string; state: string; start_date: string; end_date: string }>(
        "SELECT id, name, state, start_date, end_date FROM sprints WHERE project_id = ? ORDER BY start_date",
        [project.id],
      );
      const epics = db.query<{ key: string; title: string; status: string; children: number; done: number }>(
        `SELECT e.key, e.title, e.status, count(c.id) AS children, coalesce(sum(c.status = 'done'), 0) AS done
         FROM issues e LEFT JOIN issues c ON c.parent_id = e.id
         WHERE e.project_id = ? AND e.type = 'epic' GROUP BY e.id ORDER BY e.id`,
        [project.id],
      );
      return {
        key: project.key,
        name: project.name,
        description: project.description,
        board: project.board,
        team: meta.team,
        team_name: meta.team_name,
        lead: meta.lead,
        issues_by_status: byStatus,
        sprints,
        epics,
        created_at: project.created_at,
      };
    },
  }),

  create_project: tool({
    description: "Create a project owned by a team. Issues in it will get keys like KEY-1, KEY-2, ...",
    input: () =>
      z.object({
        key: z
          .string()
          .regex(/^[A-Z][A-Z0-9]{1,5}$/)
          .describe('2-6 uppercase letters or digits, starting with a letter, e.g. "OPS".'),
        name: z.string().min(2).max(80).describe("Human-readable project name."),
        team: z.string().describe('Key of the owning team, e.g. "PLAT" (see list_teams).'),
        lead: z
          .string()
          .optional()
          .describe('Project lead (username, email or name); must be on the team. Default "me".'),
        description: z.string().max(1000).optional().describe("What the project is about."),
        board: z
          .enum(["scrum", "kanban"])
          .optional()
          .describe("scrum (uses sprints, default) or kanban (continuous flow)."),
      }),
    annotations: { title: "Create project", readOnly: false, destructive: false, idempotent: false },
    run: (input, { db, userId, clock }) => {
      if (db.get("SELECT 1 AS ok FROM projects WHERE key = ?", [input.key]))
        throw new Error(`Project key ${input.key} is taken.`);
      const team = db.get<{ id: number; key: string }>("SELECT id, key FROM teams WHERE key = upper(?)", [input.team]);
      if (!team) throw new Error(`No team with key "${input.team}". Use list_teams.`);
      const lead = findUser(db, input.lead ?? "me", userId);
      if (!db.get("SELECT 1 AS ok FROM team_members WHERE team_id = ? AND user_id = ?", [team.id, lead.id])) {
        throw new Error(
          `${lead.username} is not on team ${team.key}; pick a team member as lead or add them with add_team_member.`,
        );
      }
      const now = clock.iso();
      db.run(
        "INSERT INTO projects (key, name, description, team_id, lead_id, board, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [input.key, input.name, input.description ?? "", team.id, lead.id, input.board ?? "scrum", now],
      );
      return {
        key: input.key,
        name: input.name,
        team: team.key,
        lead: lead.username,
        board: input.board ?? "scrum",
        created_at: now,
      };
    },
  }),
};
