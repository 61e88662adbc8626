import { tool, z } from "worldfarm/sdk";
import { findIssue, findLabel, logActivity, touch } from "../lib/index.ts";

const key = z.string().describe('Issue key, e.g. "WEB-42".');
const label = z.string().describe('Label name, e.g. "security".');

export const labelTools = {
  list_labels: tool({
    description: "Every label in the workspace with its description and how many open issues carry it.",
    input: () => z.object({}),
    annotations: { title: "List labels", readOnly: true, idempotent: true },
    run: (_input, { db }) => ({
      labels: db.query<{ name: string; color: string; description: string; open_issues: number }>(
        `SELECT l.name, l.color, l.description,
           (SELECT count(*) FROM issue_labels il JOIN issues i ON i.id = il.issue_id
             WHERE il.label_id = l.id AND i.status NOT IN ('done', 'cancelled')) AS open_issues
         FROM labels l ORDER BY l.name`,
      ),
    }),
  }),

  create_label: tool({
    description: "Create a new workspace-wide label.",
    input: () =>
      z.object({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,29}$/)
          .describe('Lowercase words joined by hyphens, e.g. "billing-v2".'),
        color: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/)
          .optional()
          .describe('Hex colour such as "#22c55e"; default grey.'),
        description: z.string().max(200).optional().describe("What the label is for."),
      }),
    annotations: { title: "Create label", readOnly: false, destructive: false, idempotent: false },
    run: ({ name, color, description }, { db }) => {
      if (db.get("SELECT 1 AS ok FROM labels WHERE name = ?", [name]))
        throw new Error(`Label "${name}" already exists.`);
      const id = db.run("INSERT INTO labels (name, color, description) VALUES (?, ?, ?)", [
        name,
        color ?? "#9ca3af",
        description ?? "",
      ]).lastRowId;
      return { id, name, color: color ?? "#9ca3af", description: description ?? "" };
    },
  }),

  add_label: tool({
    description: "Put an existing label on an issue. Does nothing if the issue already has it.",
    input: () => z.object({ key, label }),
    annotations: { title: "Add label", readOnly: false, destructive: false, idempotent: true },
    run: ({ key, label }, { db, userId, clock }) => {
      const issue = findIssue(db, key);
      const found = findLabel(db, label);
      const changed =
        db.run("INSERT OR IGNORE INTO issue_labels (issue_id, label_id) VALUES (?, ?)", [issue.id, found.id]).changes >
        0;
      if (changed) {
        const now = clock.iso();
        logActivity(db, issue, userId, now, "label_added", "labels", null, found.name);
        touch(db, issue.id, now);
      }
      return { key: issue.key, label: found.name, changed };
    },
  }),

  remove_label: tool({
    description: "Take a label off an issue. Does nothing if the issue does not have it.",
    input: () => z.object({ key, label }),
    annotations: { title: "Remove label", readOnly: false, destructive: false, idempotent: true },
    run: ({ key, label }, { db, userId, clock }) => {
      const issue = findIssue(db, key);
      const found = findLabel(db, label);
      const had = db.get("SELECT 1 AS ok FROM issue_labels WHERE issue_id = ? AND label_id = ?", [issue.id, found.id]);
      if (had) {
        const now = clock.iso();
        db.run("DELETE FROM issue_labels WHERE issue_id = ? AND label_id = ?", [issue.id, found.id]);
        logActivity(db, issue, userId, now, "label_removed", "labels", found.name, null);
        touch(db, issue.id, now);
      }
      return { key: issue.key, label: found.name, changed: !!had };
    },
  }),
};
