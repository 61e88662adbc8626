import { expect, test } from "vitest";
import { DEFAULT_THRESHOLD, duplicateOf, lexicalSimilarity } from "./dedup.ts";
import { checkSql } from "./env/sqlite.ts";

test("without embeddings, scenarios that share most words are duplicates and others are not", () => {
  const kept = [
    {
      env: "notes",
      text: "Notes: notebooks hold notes with titles, bodies and tags; create, edit, tag and delete notes",
    },
  ];
  const near = {
    env: "notes-2",
    text: "Notes app: notes with titles, bodies and tags in notebooks; create, edit and delete notes",
  };
  const far = {
    env: "todo",
    text: "Todo: projects hold tasks with due dates and priorities; complete and reopen tasks",
  };
  expect(lexicalSimilarity(near.text, kept[0]!.text)).toBeGreaterThan(DEFAULT_THRESHOLD.lexical);
  expect(duplicateOf(near, kept, DEFAULT_THRESHOLD.lexical)?.env).toBe("notes");
  expect(duplicateOf(far, kept, DEFAULT_THRESHOLD.lexical)).toBeUndefined();
});

test("with embeddings, similarity is the vectors' cosine", () => {
  const kept = [{ env: "a", text: "x", vector: [1, 0, 0] }];
  expect(duplicateOf({ env: "b", text: "x", vector: [0.99, 0.1, 0] }, kept, 0.9)?.env).toBe("a");
  expect(duplicateOf({ env: "c", text: "x", vector: [0, 1, 0] }, kept, 0.9)).toBeUndefined();
});

test("SQL runs for real: syntax errors, foreign keys and refused statements come back as problems", () => {
  const ddl =
    "CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id))";
  expect(checkSql(ddl, "INSERT INTO users VALUES (1); INSERT INTO notes VALUES (1, 1)")).toEqual({
    problems: [],
    counts: { notes: 1, users: 1 },
  });
  expect(checkSql("CREATE TABEL x (id)").problems[0]).toMatch(/syntax error/);
  expect(checkSql(ddl, "INSERT INTO users VALUES (1); INSERT INTO notes VALUES (1, 2)").problems[0]).toMatch(
    /FOREIGN KEY/,
  );
  expect(checkSql(ddl, "INSERT INTO users VALUES (2)").problems).toEqual([
    "the seed data has no users row with id 1, the logged-in user",
  ]);
  expect(checkSql(`PRAGMA foreign_keys = OFF; ${ddl}`).problems[0]).toMatch(/PRAGMA/);
});
