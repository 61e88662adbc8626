import { api } from "../api.js";
import { diffView } from "../diff.js";
import { badge, fill, fmt, h, link, prettyText, section } from "../dom.js";

function kv(pairs) {
  return h(
    "dl",
    { class: "kv" },
    pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

function message(m) {
  const text = m.content ?? "";
  return h(
    "div",
    { class: `msg msg-${m.role}` },
    h("div", { class: "role" }, m.role, m.tool_call_id ? ` · ${m.tool_call_id}` : ""),
    text ? h("pre", {}, m.role === "tool" ? prettyText(text) : text) : null,
    (m.tool_calls ?? []).map((c) =>
      h("pre", { class: "call" }, `${c.function.name}(${prettyText(c.function.arguments)})`),
    ),
  );
}

/** A tool call as the policy wrote it, beside what the world answered. */
function toolCall(call, result) {
  return h(
    "div",
    { class: `tool-call ${result && !result.ok ? "is-error" : ""}`, "data-testid": "tool-call" },
    h(
      "div",
      { class: "call-head" },
      h("span", { class: "mono" }, call?.function.name ?? result.tool),
      " ",
      result ? badge(result.ok ? "ok" : "error", result.ok ? "ok" : "failed") : badge("not run", "muted"),
    ),
    call
      ? h("div", {}, h("div", { class: "muted small" }, "arguments"), h("pre", {}, prettyText(call.function.arguments)))
      : null,
    result ? h("div", {}, h("div", { class: "muted small" }, "result"), h("pre", {}, prettyText(result.output))) : null,
  );
}

function turnCard(turn, stepReward) {
  const calls = turn.reply.tool_calls ?? [];
  const byId = new Map(turn.toolResults.map((r) => [r.callId, r]));
  // awm-xml replies carry their calls in the text, so some results have no structured call to pair with.
  const unpaired = turn.toolResults.filter((r) => !calls.some((c) => c.id === r.callId));
  return h(
    "div",
    { class: "card turn", "data-turn": turn.turn },
    h(
      "div",
      { class: "turn-head" },
      h("h3", {}, `Turn ${turn.turn + 1}`),
      h(
        "span",
        { "data-testid": "format" },
        turn.formatOk ? badge("format ok", "ok") : badge("format error", "failed"),
      ),
      stepReward === undefined ? null : h("span", { class: "muted" }, ` step format reward ${fmt.num(stepReward, 2)}`),
      turn.truncated ? badge("context truncated", "muted") : null,
      h(
        "span",
        { class: "muted small right" },
        `${fmt.num(turn.latencyMs, 0)} ms · ${turn.attempts} attempt${turn.attempts === 1 ? "" : "s"}`,
        turn.completionTokenIds
          ? ` · ${turn.promptTokenIds?.length ?? "?"} prompt + ${turn.completionTokenIds.length} completion tokens`
          : "",
        turn.finishReason ? ` · ${turn.finishReason}` : "",
      ),
    ),
    turn.reply.content
      ? h(
          "div",
          { class: "msg msg-assistant" },
          h("div", { class: "role" }, "assistant"),
          h("pre", {}, turn.reply.content),
        )
      : null,
    turn.violation ? h("p", { class: "violation" }, "Format violation: ", turn.violation) : null,
    calls.map((c) => toolCall(c, byId.get(c.id))),
    unpaired.map((r) => toolCall(undefined, r)),
    h(
      "details",
      {},
      h(
        "summary",
        {},
        `Policy request: ${turn.request.length} messages${turn.tools ? `, ${turn.tools.length} tools` : ""}`,
      ),
      turn.request.map(message),
    ),
  );
}

function summary(view) {
  const r = view.result;
  if (!r) return section("Result", h("p", { class: "muted" }, `Running: ${view.turns.length} turns so far.`));
  const c = r.rewardComponents;
  return h(
    "div",
    { class: "grid2" },
    section(
      "Result",
      kv([
        ["status", badge(r.status)],
        ["stop reason", r.stopReason],
        ["reward", h("b", { "data-testid": "reward" }, fmt.num(r.reward))],
        ["outcome", fmt.num(c.outcome)],
        ["format errors", String(c.formatErrors)],
        ["loss weight", String(r.lossWeight)],
        ["turns", String(r.numTurns)],
        ["answer", r.answer ?? h("span", { class: "muted" }, "none")],
        ["error", r.error],
      ]),
    ),
    section(
      "Verifier",
      c.verifier
        ? h(
            "div",
            { "data-testid": "verifier", "data-complete": String(c.verifier.complete) },
            c.verifier.complete ? badge("complete", "ok") : badge("not complete", "failed"),
            c.verifier.info ? h("pre", {}, fmt.json(c.verifier.info)) : null,
          )
        : h("p", { class: "muted", "data-testid": "verifier" }, "Not verified (the rollout failed)."),
      c.judge ? h("div", {}, h("h3", {}, "Judge: ", c.judge.verdict), h("pre", {}, c.judge.reply)) : null,
    ),
  );
}

export async function rollout(root, ctx, id) {
  const body = h("div");
  root.append(body);
  async function refresh() {
    const view = await api(`/v1/rollouts/${id}`);
    const first = view.turns[0]?.request ?? view.result?.messages ?? [];
    const system = first.find((m) => m.role === "system");
    const user = first.find((m) => m.role === "user");
    const { tables } = await api(`/v1/rollouts/${id}/diff`);
    const steps = view.result?.rewardComponents.format ?? [];
    fill(
      body,
      h("h1", {}, "Rollout ", h("span", { class: "mono" }, id), " ", badge(view.state)),
      h(
        "p",
        { class: "muted" },
        view.batchId ? link(`#/batches/${view.batchId}`, `batch ${view.batchId}`) : "no batch",
        " · ",
        link(`#/envs/${view.env}`, view.env),
        ` · task ${view.taskId}`,
      ),
      summary(view),
      section(
        "Task",
        user ? h("p", { class: "prompt" }, user.content) : null,
        system ? h("details", {}, h("summary", {}, "System prompt"), h("pre", {}, system.content)) : null,
      ),
      h(
        "div",
        { "data-testid": "turns" },
        view.turns.map((t, i) => turnCard(t, steps[i])),
      ),
      section("Database diff: before and after", diffView(tables)),
    );
    return view.state === "running";
  }
  await refresh();
  ctx.every(1500, refresh);
}
