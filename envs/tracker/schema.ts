import { sql } from "worldfarm/sdk";

// Join tables are cleaned up explicitly by the tools, so behaviour is the same whether or not
// the host enforces foreign keys. activity_log keeps issue_key so history survives a deletion.
export const schema = sql`
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  timezone TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

CREATE TABLE teams (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE team_members (
  team_id INTEGER NOT NULL REFERENCES teams(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  role TEXT NOT NULL CHECK (role IN ('lead', 'member')),
  joined_at TEXT NOT NULL,
  PRIMARY KEY (team_id, user_id)
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  team_id INTEGER NOT NULL REFERENCES teams(id),
  lead_id INTEGER NOT NULL REFERENCES users(id),
  board TEXT NOT NULL CHECK (board IN ('scrum', 'kanban')),
  next_number INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

CREATE TABLE workflow_statuses (
  status TEXT PRIMARY KEY,
  category TEXT NOT NULL CHECK (category IN ('todo', 'in_progress', 'done')),
  position INTEGER NOT NULL
);

CREATE TABLE workflow_transitions (
  from_status TEXT NOT NULL REFERENCES workflow_statuses(status),
  to_status TEXT NOT NULL REFERENCES workflow_statuses(status),
  name TEXT NOT NULL,
  PRIMARY KEY (from_status, to_status)
);

CREATE TABLE sprints (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  goal TEXT,
  state TEXT NOT NULL CHECK (state IN ('planned', 'active', 'completed')),
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  started_at TEXT,
  completed_at TEXT,
  completed_issues INTEGER,
  completed_points INTEGER,
  carried_over_issues INTEGER,
  carried_over_points INTEGER,
  created_at TEXT NOT NULL
);

CREATE TABLE issues (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  number INTEGER NOT NULL,
  key TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('epic', 'story', 'task', 'bug', 'subtask')),
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL REFERENCES workflow_statuses(status),
  priority TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'medium', 'low', 'none')),
  resolution TEXT CHECK (resolution IN ('done', 'wont_do', 'duplicate', 'cannot_reproduce', 'obsolete')),
  assignee_id INTEGER REFERENCES users(id),
  reporter_id INTEGER NOT NULL REFERENCES users(id),
  story_points INTEGER,
  due_date TEXT,
  parent_id INTEGER REFERENCES issues(id),
  sprint_id INTEGER REFERENCES sprints(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  resolved_at TEXT,
  UNIQUE (project_id, number)
);
CREATE INDEX issues_assignee ON issues(assignee_id);
CREATE INDEX issues_sprint ON issues(sprint_id);
CREATE INDEX issues_parent ON issues(parent_id);

CREATE TABLE labels (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  color TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE issue_labels (
  issue_id INTEGER NOT NULL REFERENCES issues(id),
  label_id INTEGER NOT NULL REFERENCES labels(id),
  PRIMARY KEY (issue_id, label_id)
);

CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  issue_id INTEGER NOT NULL REFERENCES issues(id),
  author_id INTEGER NOT NULL REFERENCES users(id),
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX comments_issue ON comments(issue_id);

CREATE TABLE watchers (
  issue_id INTEGER NOT NULL REFERENCES issues(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (issue_id, user_id)
);

CREATE TABLE issue_links (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES issues(id),
  target_id INTEGER NOT NULL REFERENCES issues(id),
  link_type TEXT NOT NULL CHECK (link_type IN ('blocks', 'duplicates', 'relates_to')),
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  UNIQUE (source_id, target_id, link_type)
);

CREATE TABLE activity_log (
  id INTEGER PRIMARY KEY,
  issue_id INTEGER,
  issue_key TEXT NOT NULL,
  actor_id INTEGER NOT NULL REFERENCES users(id),
  action TEXT NOT NULL,
  field TEXT,
  old_value TEXT,
  new_value TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX activity_issue ON activity_log(issue_id);
`;
