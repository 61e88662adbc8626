import { tool, z, type Db } from "worldfarm/sdk";
import { findIssue, touch } from "../lib/index.ts";

type CommentRow = {
  id: number;
  issue_id: number;
  author_id: number;
  body: string;
  created_at: string;
  updated_at: string;
};

/** Comments can only be changed by the person who wrote them. */
function ownComment(db: Db, id: number, userId: number, verb: string): CommentRow {
  const comment = db.get<CommentRow>("SELECT * FROM comments WHERE id = ?", [id]);
  if (!comment) throw new Error(`No comment with id ${id}. Use list_comments on the issue to find comment ids.`);
  if (comment.author_id !== userId)
    throw new Error(`Comment ${id} was written by someone else; you can only ${verb} your own comments.`);
  return comment;
}

export const commentTools = {
  add_comment: tool({
    description: "Post a comment on an issue as me. Returns the comment id.",
    input: () =>
      z.object({
        key: z.string().describe('Issue key, e.g. "WEB-42".'),
        body: z.string().min(1).max(5000).describe("Comment text (markdown allowed)."),
      }),
    annotations: { title: "Add comment", readOnly: false, destructive: false, idempotent: false },
    run: ({ key, body }, { db, userId, clock }) => {
      const now = clock.iso();
      const issue = findIssue(db, key);
      const id = db.run(
        "INSERT INTO comments (issue_id, author_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        [issue.id, userId, body, now, now],
      ).lastRowId;
      touch(db, issue.id, now);
      return { id, key: issue.key, body, created_at: now };
    },
  }),

  list_comments: tool({
    description: "All comments on an issue, oldest first, with their ids and authors.",
    input: () => z.object({ key: z.string().describe('Issue key, e.g. "WEB-42".') }),
    annotations: { title: "List comments", readOnly: true, idempotent: true },
    run: ({ key }, { db }) => {
      const issue = findIssue(db, key);
      const comments = db
        .query<{ id: number; author: string; body: string; created_at: string; edited: number }>(
          `SELECT c.id, u.username AS author, c.body, c.created_at, c.updated_at != c.created_at AS edited
         FROM comments c JOIN users u ON u.id = c.author_id WHERE c.issue_id = ? ORDER BY c.created_at, c.id`,
          [issue.id],
        )
        .map((c) => ({ ...c, edited: c.edited === 1 }));
      return { key: issue.key, count: comments.length, comments };
    },
  }),

  edit_comment: tool({
    description: "Replace the text of one of my comments.",
    input: () =>
      z.object({
        comment_id: z.number().int().describe("Comment id from list_comments."),
        body: z.string().min(1).max(5000).describe("The new comment text."),
      }),
    annotations: { title: "Edit comment", readOnly: false, destructive: false, idempotent: true },
    run: ({ comment_id, body }, { db, userId, clock }) => {
      const now = clock.iso();
      const comment = ownComment(db, comment_id, userId, "edit");
      db.run("UPDATE comments SET body = ?, updated_at = ? WHERE id = ?", [body, now, comment.id]);
      return { id: comment.id, body, updated_at: now };
    },
  }),

  delete_comment: tool({
    description: "Delete one of my comments. Cannot be undone.",
    input: () => z.object({ comment_id: z.number().int().describe("Comment id from list_comments.") }),
    annotations: { title: "Delete comment", readOnly: false, destructive: true, idempotent: false },
    run: ({ comment_id }, { db, userId }) => {
      const comment = ownComment(db, comment_id, userId, "delete");
      db.run("DELETE FROM comments WHERE id = ?", [comment.id]);
      return { deleted: comment.id };
    },
  }),
};
