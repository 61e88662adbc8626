import { tool, z } from "worldfarm/sdk";
import { findIssue, logActivity } from "../lib/index.ts";

/** Inward phrasings are stored the other way round, so each relation has one row. */
const LINK_TYPES = {
  blocks: ["blocks", false],
  is_blocked_by: ["blocks", true],
  duplicates: ["duplicates", false],
  is_duplicated_by: ["duplicates", true],
  relates_to: ["relates_to", false],
} as const;

export const linkTools = {
  link_issues: tool({
    description:
      'Record a relation between two issues, read as "<key> <link_type> <other_key>", e.g. WEB-1 blocks API-7. ' +
      "Issues in different projects can be linked.",
    input: () =>
      z.object({
        key: z.string().describe('The issue the sentence starts with, e.g. "WEB-1".'),
        link_type: z
          .enum(["blocks", "is_blocked_by", "duplicates", "is_duplicated_by", "relates_to"])
          .describe("The relation."),
        other_key: z.string().describe('The other issue, e.g. "API-7".'),
      }),
    annotations: { title: "Link issues", readOnly: false, destructive: false, idempotent: true },
    run: ({ key, link_type, other_key }, { db, userId, clock }) => {
      const now = clock.iso();
      const a = findIssue(db, key);
      const b = findIssue(db, other_key);
      if (a.id === b.id) throw new Error("An issue cannot be linked to itself.");
      const [stored, swap] = LINK_TYPES[link_type];
      const [source, target] = swap ? [b, a] : [a, b];
      const exists = db.get(
        `SELECT 1 AS ok FROM issue_links WHERE link_type = ? AND ((source_id = ? AND target_id = ?)
           OR (link_type = 'relates_to' AND source_id = ? AND target_id = ?))`,
        [stored, source.id, target.id, target.id, source.id],
      );
      if (exists) return { source: source.key, link_type: stored, target: target.key, changed: false };
      db.run(
        "INSERT INTO issue_links (source_id, target_id, link_type, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
        [source.id, target.id, stored, userId, now],
      );
      logActivity(db, source, userId, now, "linked", stored, null, target.key);
      return { source: source.key, link_type: stored, target: target.key, changed: true };
    },
  }),

  unlink_issues: tool({
    description: "Remove every link between two issues, whatever its type or direction.",
    input: () =>
      z.object({
        key: z.string().describe('One issue, e.g. "WEB-1".'),
        other_key: z.string().describe('The other issue, e.g. "API-7".'),
      }),
    annotations: { title: "Unlink issues", readOnly: false, destructive: true, idempotent: true },
    run: ({ key, other_key }, { db, userId, clock }) => {
      const a = findIssue(db, key);
      const b = findIssue(db, other_key);
      const links = db.query<{ id: number; link_type: string }>(
        "SELECT id, link_type FROM issue_links WHERE (source_id = ? AND target_id = ?) OR (source_id = ? AND target_id = ?)",
        [a.id, b.id, b.id, a.id],
      );
      if (!links.length) throw new Error(`${a.key} and ${b.key} are not linked; get_issue shows an issue's links.`);
      const now = clock.iso();
      db.run(
        `DELETE FROM issue_links WHERE id IN (${links.map(() => "?").join(", ")})`,
        links.map((l) => l.id),
      );
      logActivity(db, a, userId, now, "unlinked", null, b.key, null);
      return { removed: links.map((l) => l.link_type), key: a.key, other_key: b.key };
    },
  }),
};
