import type { Script } from "../cli/fake-policy/server.ts";

/** Turns per rollout; BENCH_TURNS=2 (one call and the answer) shows what a rollout costs besides its turns. */
export const TURNS = Number(process.env.BENCH_TURNS ?? 10);

/** Nine read-only calls, then an answer: the env's own cheapest read tool, so state stays flat. */
export const tenTurns: Script = (request, turn) => {
  if (turn >= TURNS - 1) return { content: "Done." };
  const names = (request.tools ?? []).map((t: { function: { name: string } }) => t.function.name);
  const tool = names.includes("list_categories") ? "list_categories" : "list_projects";
  return {
    content: null,
    tool_calls: [{ id: `call_${turn}`, type: "function", function: { name: tool, arguments: "{}" } }],
  };
};
