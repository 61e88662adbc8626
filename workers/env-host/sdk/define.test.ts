import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEnv, tool } from "./define.ts";
import { describeEnv } from "./describe.ts";

describe("a tool's input given as a function", () => {
  it("is built when first read, once, not when the tool is defined", () => {
    let builds = 0;
    const run = () => "ok";
    const t = tool({
      description: "Look a thing up.",
      input: () => {
        builds++;
        return z.object({ id: z.number().int() });
      },
      annotations: { readOnly: true },
      run,
    });
    expect(builds).toBe(0);
    const schema = t.input;
    expect(t.input).toBe(schema);
    expect(builds).toBe(1);
    expect(t.input.safeParse({ id: 3 }).success).toBe(true);
    expect(t.input.safeParse({ id: "3" }).success).toBe(false);
    expect(t).toMatchObject({ description: "Look a thing up.", annotations: { readOnly: true }, run });
  });

  it("describes the same JSON schema as the schema given as it is", () => {
    const input = () =>
      z.object({ q: z.string().min(1).describe("What to find."), limit: z.number().int().default(5) });
    const env = (lazy: boolean) =>
      defineEnv({
        name: "lookup",
        description: "Lookups.",
        schema: "CREATE TABLE t (id INTEGER PRIMARY KEY);",
        seed: "",
        tools: { find: tool({ description: "Find.", input: lazy ? input : input(), run: () => [] }) },
        tasks: [],
      });
    const described = describeEnv(env(true)).tools[0]!;
    expect(described).toEqual(describeEnv(env(false)).tools[0]);
    expect(described.inputSchema).toMatchObject({ properties: { q: { type: "string", minLength: 1 } } });
  });

  it("leaves a tool whose input is a schema as it was written", () => {
    const def = { description: "Find.", input: z.object({}), run: () => [] };
    expect(tool(def)).toBe(def);
  });
});
