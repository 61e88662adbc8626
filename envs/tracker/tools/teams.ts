import { tool, z, type Db } from "worldfarm/sdk";
import { findUser, openSql, type UserRow } from "../lib/index.ts";

type TeamRow = { id: number; key: string; name: string; description: string };

function findTeam(db: Db, key: string): TeamRow {
  const team = db.get<TeamRow>(
    "SELECT id, key, name, description FROM teams WHERE key = upper(?) OR lower(name) = lower(?)",
    [key, key],
  );
  if (!team) throw new Error(`No team "${key}". Use list_teams to see team keys.`);
  return team;
}

/** A person's profile with their teams and current load (open issues assigned to them). */
function profile(db: Db, user: UserRow) {
  const load = db.get<{ open_issues: number; open_points: number }>(
    `SELECT count(*) AS open_issues, coalesce(sum(i.story_points), 0) AS open_points FROM issues i
     WHERE i.assignee_id = ? AND ${openSql()}`,
    [user.id],
  )!;
  const teams = db.query<{ key: string; name: string; role: string }>(
    "SELECT t.key, t.name, m.role FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ? ORDER BY t.key",
    [user.id],
  );
  return {
    username: user.username,
    name: user.name,
    email: user.email,
    title: user.title,
    active: user.active === 1,
    teams,
    ...load,
  };
}

export const teamTools = {
  get_my_profile: tool({
    description:
      "Who I am (the logged-in user): profile, teams and how many open issues and points are assigned to me.",
    input: () => z.object({}),
    annotations: { title: "My profile", readOnly: true, idempotent: true },
    run: (_input, { db, userId }) => profile(db, findUser(db, "me", userId)),
  }),

  get_user: tool({
    description: "A colleague's profile, teams and workload (open issues and story points assigned to them).",
    input: () => z.object({ user: z.string().describe('Username, email, full name, or "me".') }),
    annotations: { title: "Get user", readOnly: true, idempotent: true },
    run: ({ user }, { db, userId }) => profile(db, findUser(db, user, userId)),
  }),

  list_users: tool({
    description: "People in the workspace, optionally filtered by a name fragment or team.",
    input: () =>
      z.object({
        query: z.string().optional().describe("Part of a name, username or email."),
        team: z.string().optional().describe('Team key, e.g. "WEBT".'),
        include_inactive: z.boolean().optional().describe("true to include deactivated accounts; default false."),
      }),
    annotations: { title: "List users", readOnly: true, idempotent: true },
    run: ({ query, team, include_inactive }, { db }) => {
      const like = `%${(query ?? "").toLowerCase()}%`;
      const teamId = team ? findTeam(db, team).id : null;
      const users = db.query<{ username: string; name: string; title: string; email: string; active: number }>(
        `SELECT u.username, u.name, u.title, u.email, u.active FROM users u
         WHERE (lower(u.name) LIKE ? OR lower(u.username) LIKE ? OR lower(u.email) LIKE ?)
           AND (? = 1 OR u.active = 1)
           AND (? IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.user_id = u.id AND m.team_id = ?))
         ORDER BY u.name`,
        [like, like, like, include_inactive ? 1 : 0, teamId, teamId],
      );
      return { count: users.length, users: users.map((u) => ({ ...u, active: u.active === 1 })) };
    },
  }),

  list_teams: tool({
    description: "All teams with their key, lead, member count and the projects they own.",
    input: () => z.object({}),
    annotations: { title: "List teams", readOnly: true, idempotent: true },
    run: (_input, { db }) => ({
      teams: db.query<{
        key: string;
        name: string;
        description: string;
        lead: string | null;
        members: number;
        projects: string | null;
      }>(
        `SELECT t.key, t.name, t.description,
           (SELECT u.username FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = t.id AND m.role = 'lead') AS lead,
           (SELECT count(*) FROM team_members m WHERE m.team_id = t.id) AS members,
           (SELECT group_concat(p.key, ', ') FROM projects p WHERE p.team_id = t.id) AS projects
         FROM teams t ORDER BY t.key`,
      ),
    }),
  }),

  get_team: tool({
    description:
      "A team's members with their role and workload: open issues and open story points assigned to each (across all " +
      "projects). Useful to find who has capacity.",
    input: () => z.object({ team: z.string().describe('Team key, e.g. "MOBT", or its name.') }),
    annotations: { title: "Get team", readOnly: true, idempotent: true },
    run: ({ team }, { db }) => {
      const found = findTeam(db, team);
      const members = db.query<{
        username: string;
        name: string;
        title: string;
        role: string;
        open_issues: number;
        open_points: number;
      }>(
        `SELECT u.username, u.name, u.title, m.role,
           (SELECT count(*) FROM issues i WHERE i.assignee_id = u.id AND ${openSql()}) AS open_issues,
           (SELECT coalesce(sum(i.story_points), 0) FROM issues i WHERE i.assignee_id = u.id AND ${openSql()}) AS open_points
         FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY m.role = 'lead' DESC, u.name`,
        [found.id],
      );
      const projects = db
        .query<{ key: string }>("SELECT key FROM projects WHERE team_id = ? ORDER BY key", [found.id])
        .map((p) => p.key);
      return { key: found.key, name: found.name, description: found.description, projects, members };
    },
  }),

  add_team_member: tool({
    description: "Add someone to a team so they can be assigned its projects' issues.",
    input: () =>
      z.object({
        team: z.string().describe('Team key, e.g. "PLAT".'),
        user: z.string().describe("Username, email or full name."),
      }),
    annotations: { title: "Add team member", readOnly: false, destructive: false, idempotent: true },
    run: ({ team, user }, { db, userId, clock }) => {
      const found = findTeam(db, team);
      const member = findUser(db, user, userId);
      if (!member.active) throw new Error(`${member.username} is deactivated and cannot join teams.`);
      const changed =
        db.run("INSERT OR IGNORE INTO team_members (team_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)", [
          found.id,
          member.id,
          clock.iso(),
        ]).changes > 0;
      return { team: found.key, user: member.username, changed };
    },
  }),

  remove_team_member: tool({
    description:
      "Remove someone from a team. Refused while they still have open issues in the team's projects (reassign those " +
      "first) or while they lead the team.",
    input: () =>
      z.object({
        team: z.string().describe('Team key, e.g. "WEBT".'),
        user: z.string().describe("Username, email or full name."),
      }),
    annotations: { title: "Remove team member", readOnly: false, destructive: true, idempotent: false },
    run: ({ team, user }, { db, userId }) => {
      const found = findTeam(db, team);
      const member = findUser(db, user, userId);
      const membership = db.get<{ role: string }>("SELECT role FROM team_members WHERE team_id = ? AND user_id = ?", [
        found.id,
        member.id,
      ]);
      if (!membership) throw new Error(`${member.username} is not on team ${found.key}.`);
      if (membership.role === "lead")
        throw new Error(`${member.username} leads team ${found.key} and cannot be removed.`);
      const open = db.query<{ key: string }>(
        `SELECT i.key FROM issues i JOIN projects p ON p.id = i.project_id
         WHERE p.team_id = ? AND i.assignee_id = ? AND ${openSql()} ORDER BY i.id`,
        [found.id, member.id],
      );
      if (open.length) {
        throw new Error(
          `${member.username} still has ${open.length} open issue(s) in ${found.key}'s projects ` +
            `(${open.map((i) => i.key).join(", ")}). Reassign or unassign them first.`,
        );
      }
      db.run("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", [found.id, member.id]);
      return { team: found.key, removed: member.username };
    },
  }),
};
