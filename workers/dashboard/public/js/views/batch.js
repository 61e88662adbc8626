import { allPages, api } from "../api.js";
import { histogram, progress, rewardCurve, runPoints } from "../charts.js";
import { badge, fill, fmt, h, link, section, table } from "../dom.js";

const PAGE = 50;

function rewardTable(status) {
  const rows = Object.entries(status.rewardByEnv).map(([env, r]) => [env, r]);
  rows.push(["all", status.reward]);
  return table(
    ["environment", "n", "mean", "std"],
    rows.map(([env, r]) =>
      h(
        "tr",
        { "data-env": env },
        h("td", {}, env),
        h("td", { class: "num" }, r.n),
        h("td", { class: "num" }, fmt.num(r.mean)),
        h("td", { class: "num" }, fmt.num(r.std)),
      ),
    ),
    { "data-testid": "reward-by-env" },
  );
}

/** The batch's rollouts, a page at a time, filtered by status. */
function rolloutTable(batchId, ctx) {
  let offset = 0;
  const filter = h(
    "select",
    { "data-testid": "status-filter" },
    ["", "pending", "running", "completed", "failed", "cancelled"].map((s) =>
      h("option", { value: s }, s || "any status"),
    ),
  );
  const body = h("div");
  const pager = h("div", { class: "pager" });

  async function load() {
    const q = new URLSearchParams({
      offset: String(offset),
      limit: String(PAGE),
      ...(filter.value ? { status: filter.value } : {}),
    });
    const list = await api(`/v1/batches/${batchId}/rollouts?${q}`);
    fill(
      body,
      table(
        ["rollout", "env", "task", "status", "stop reason", "reward", "finished"],
        list.rollouts.map((r) =>
          h(
            "tr",
            { "data-rollout": r.rolloutId, "data-status": r.status },
            h(
              "td",
              { class: "mono" },
              r.status === "pending" ? r.rolloutId : link(`#/rollouts/${r.rolloutId}`, r.rolloutId),
            ),
            h("td", {}, r.env),
            h("td", { class: "mono" }, r.taskId),
            h("td", {}, badge(r.status)),
            h("td", {}, r.stopReason ?? ""),
            h("td", { class: "num" }, r.reward === null ? "–" : fmt.num(r.reward)),
            h("td", {}, fmt.time(r.finishedAt)),
          ),
        ),
        { "data-testid": "rollouts" },
      ),
    );
    fill(
      pager,
      h(
        "button",
        { disabled: offset === 0, onclick: () => ((offset = Math.max(0, offset - PAGE)), ctx.guard(load())) },
        "‹ prev",
      ),
      h(
        "span",
        { class: "muted" },
        ` ${list.total ? offset + 1 : 0}–${Math.min(offset + PAGE, list.total)} of ${list.total} `,
      ),
      h(
        "button",
        { disabled: offset + PAGE >= list.total, onclick: () => ((offset += PAGE), ctx.guard(load())) },
        "next ›",
      ),
    );
  }
  filter.addEventListener("change", () => ((offset = 0), ctx.guard(load())));
  return { node: h("div", {}, h("div", { class: "row" }, filter), body, pager), load };
}

/**
 * Deleting asks first, in the page: what goes (every rollout's trajectory, checkpoints and world) and what stays (the
 * run's reward summary). Built once, outside what polling redraws, so a pending confirmation survives a refresh.
 */
function deleteControl(batchId, ctx) {
  const box = h("div", { class: "row", "data-testid": "delete-batch" });
  const ask = () =>
    fill(
      box,
      h(
        "div",
        { class: "card", "data-testid": "delete-confirm" },
        h(
          "p",
          {},
          "Delete batch ",
          h("span", { class: "mono" }, batchId),
          "? Its rollouts' trajectories, checkpoints and worlds are removed ",
          "for good (a running batch is cancelled first); the run keeps the batch's reward summary.",
        ),
        h(
          "button",
          { class: "danger", "data-testid": "delete-confirmed", onclick: () => ctx.guard(remove()) },
          "Delete for good",
        ),
        " ",
        h("button", { onclick: idle }, "Keep it"),
      ),
    );
  function idle() {
    fill(box, h("button", { class: "danger", "data-testid": "delete-start", onclick: ask }, "Delete batch…"));
  }
  async function remove() {
    await api(`/v1/batches/${batchId}`, { method: "DELETE" });
    location.hash = `#/batches?deleted=${batchId}`;
  }
  idle();
  return box;
}

export async function batchDetail(root, ctx, batchId) {
  const head = h("div");
  const bar = h("div", { "data-testid": "batch-progress" });
  const stats = h("div");
  const hist = h("div");
  const curve = h("div");
  const stops = h("div");
  const errors = h("div");
  const rollouts = rolloutTable(batchId, ctx);
  root.append(
    head,
    deleteControl(batchId, ctx),
    section("Progress", bar),
    h("div", { class: "grid2" }, section("Reward", stats, stops), section("Reward histogram", hist)),
    curve,
    errors,
    section("Rollouts", rollouts.node),
  );

  let histogramFor = -1;
  let curveDrawn = false;

  async function drawCurve() {
    const { runs } = await api("/v1/runs");
    const run = runs.find((r) => r.run !== null && r.batches.some((b) => b.batchId === batchId));
    fill(
      curve,
      run ? section(`Run ${run.run}: mean reward per batch`, rewardCurve(runPoints(run), { highlight: batchId })) : "",
    );
  }

  async function refresh() {
    const status = await api(`/v1/batches/${batchId}`);
    const running = status.state === "running";
    const state = h("span", { "data-testid": "batch-state", "data-state": status.state }, badge(status.state));
    const cancel = () => ctx.guard(api(`/v1/batches/${batchId}/cancel`, { method: "POST" }).then(refresh));
    fill(
      head,
      h("h1", {}, "Batch ", h("span", { class: "mono" }, batchId), " ", state),
      h(
        "p",
        { class: "muted" },
        `created ${fmt.time(status.createdAt)} · finished ${fmt.time(status.finishedAt)} · `,
        status.expiresAt
          ? h("span", { "data-testid": "expires" }, `deleted automatically ${fmt.time(status.expiresAt)} · `)
          : "",
        `groups ${status.groups.done}/${status.groups.total} · ${fmt.num(status.rolloutsPerSecond, 1)} rollouts/s · groups for a trainer: `,
        h("code", {}, `worldfarm batch stream ${batchId}`),
      ),
      running ? h("button", { class: "danger", onclick: cancel }, "Cancel batch") : null,
    );
    fill(bar, progress(status.counts));
    fill(stats, rewardTable(status));
    fill(
      stops,
      h("h3", {}, "Stop reasons"),
      table(
        ["reason", "rollouts"],
        Object.entries(status.stopReasons).map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", { class: "num" }, v))),
      ),
    );
    // The same failure across many rollouts (a policy server that is down, say) reads once, with its count.
    fill(
      errors,
      status.problems.length
        ? section(
            "Problems",
            h(
              "div",
              { "data-testid": "problems" },
              table(
                ["error", "rollouts"],
                status.problems.map((p) =>
                  h("tr", {}, h("td", { class: "mono" }, p.error), h("td", { class: "num" }, p.rollouts)),
                ),
              ),
            ),
            h(
              "p",
              { "data-testid": "problem-rollouts" },
              "Rollouts to open: ",
              ...status.errors.flatMap((e, i) => [i ? ", " : "", link(`#/rollouts/${e.rolloutId}`, e.rolloutId)]),
            ),
          )
        : "",
    );
    // Rewards only change when rollouts complete; reading the whole ledger on every tick would not scale.
    if (status.counts.completed !== histogramFor) {
      histogramFor = status.counts.completed;
      const done = await allPages(`/v1/batches/${batchId}/rollouts?status=completed`, "rollouts");
      fill(
        hist,
        histogram(done.map((r) => r.reward ?? 0)),
        h("p", { class: "muted" }, `${done.length} completed rollouts`),
      );
    }
    await rollouts.load();
    // The run's curve moves only when a batch finishes: drawn on arrival, then once more when this one ends.
    if (!curveDrawn || !running) {
      await drawCurve();
      curveDrawn = true;
    }
    return running;
  }

  await refresh();
  ctx.every(1000, refresh);
}
