import { api } from "../api.js";
import { progress, rewardCurve, runPoints } from "../charts.js";
import { badge, fill, fmt, h, link, section, table } from "../dom.js";

function field(label, input) {
  return h("label", { class: "field" }, h("span", {}, label), input);
}

/** The form that starts a batch: one environment's tasks x group size, against a policy. */
async function batchForm(ctx, preset) {
  const { envs } = await api("/v1/envs");
  const env = h(
    "select",
    { name: "env" },
    envs.map((e) => h("option", { value: e.name, selected: e.name === preset }, e.name)),
  );
  const tasks = h("input", { name: "tasks", value: "all", title: "all, or task ids separated by commas" });
  const policy = h(
    "select",
    { name: "policy" },
    ["oracle", "random", "openai"].map((p) => h("option", { value: p }, p)),
  );
  const baseUrl = h("input", { name: "baseUrl", placeholder: "http://127.0.0.1:8000/v1" });
  const model = h("input", { name: "model", placeholder: "model name" });
  const apiKey = h("input", { name: "apiKey", type: "password", placeholder: "optional" });
  const openai = h(
    "div",
    { class: "row", hidden: true },
    field("base URL", baseUrl),
    field("model", model),
    field("API key", apiKey),
  );
  policy.addEventListener("change", () => (openai.hidden = policy.value !== "openai"));
  const format = h(
    "select",
    { name: "toolFormat" },
    ["openai-tools", "awm-xml"].map((f) => h("option", { value: f }, f)),
  );
  const group = h("input", { name: "groupSize", type: "number", min: "1", max: "256", value: "4" });
  const turns = h("input", { name: "maxTurns", type: "number", min: "1", max: "200", value: "10" });
  const version = h("input", { name: "policyVersion", placeholder: "run@step (optional)" });

  async function submit(event) {
    event.preventDefault();
    const ids = tasks.value.trim();
    const spec = {
      tasks: {
        [env.value]:
          ids === "" || ids === "all"
            ? "all"
            : ids
                .split(",")
                .map((t) => t.trim())
                .filter(Boolean),
      },
      groupSize: Number(group.value),
      maxTurns: Number(turns.value),
      toolFormat: format.value,
      policy:
        policy.value === "openai"
          ? {
              kind: "openai",
              baseUrl: baseUrl.value,
              model: model.value,
              ...(apiKey.value ? { apiKey: apiKey.value } : {}),
            }
          : { kind: policy.value },
      ...(version.value.trim() ? { policyVersion: version.value.trim() } : {}),
    };
    const created = await api("/v1/batches", { method: "POST", body: spec });
    location.hash = `#/batches/${created.batchId}`;
  }

  return h(
    "form",
    { class: "card", "data-testid": "batch-form", onsubmit: (e) => ctx.guard(submit(e)) },
    h("h2", {}, "New batch"),
    h(
      "div",
      { class: "row" },
      field("environment", env),
      field("tasks", tasks),
      field("policy", policy),
      field("tool format", format),
    ),
    openai,
    h(
      "div",
      { class: "row" },
      field("group size", group),
      field("max turns", turns),
      field("policy version", version),
      h("button", { type: "submit", class: "primary" }, "Start batch"),
    ),
  );
}

function runCard(run) {
  const points = runPoints(run);
  const last = points.at(-1);
  return h(
    "div",
    { class: "run", "data-run": run.run },
    h(
      "h3",
      {},
      run.run,
      " ",
      h("span", { class: "muted small" }, `${run.batches.length} batches · latest ${last ? fmt.num(last.mean) : "–"}`),
    ),
    points.length ? rewardCurve(points, { width: 360, height: 140 }) : h("p", { class: "muted" }, "no rewards yet"),
  );
}

export async function batches(root, ctx) {
  const query = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const deleted = query.get("deleted");
  if (deleted)
    root.append(
      h(
        "p",
        { class: "card", "data-testid": "deleted-notice" },
        `Batch ${deleted} deleted; its reward summary stays in its run.`,
      ),
    );
  root.append(await batchForm(ctx, query.get("env")));
  const runsBox = h("div", { class: "runs" });
  const listBox = h("div");
  root.append(
    section(
      "Runs",
      h(
        "p",
        { class: "muted" },
        "Batches whose policyVersion is NAME@STEP form run NAME; mean reward ± std per batch, oldest first.",
      ),
      runsBox,
    ),
    section("Batches", listBox),
  );

  async function refresh() {
    const { runs } = await api("/v1/runs");
    const named = runs.filter((r) => r.run !== null);
    fill(
      runsBox,
      ...(named.length
        ? named.map(runCard)
        : [h("p", { class: "muted" }, "No runs yet: give batches a policyVersion.")]),
    );
    const all = runs.flatMap((r) => r.batches).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    fill(
      listBox,
      all.length === 0
        ? h("p", { class: "muted" }, "No batches yet.")
        : table(
            ["batch", "state", "policy version", "rollouts", "progress", "reward", "created"],
            all.map((b) =>
              h(
                "tr",
                { "data-batch": b.batchId },
                // A deleted batch has no page any more; its row stays for the run's sake.
                h("td", { class: "mono" }, b.deletedAt ? b.batchId : link(`#/batches/${b.batchId}`, b.batchId)),
                h("td", {}, b.deletedAt ? badge("deleted") : badge(b.state)),
                h("td", {}, b.policyVersion ?? ""),
                h("td", { class: "num" }, b.rollouts),
                h(
                  "td",
                  { class: "wide" },
                  progress(b.counts, { compact: true }),
                  h(
                    "span",
                    { class: "muted small" },
                    `${b.counts.completed + b.counts.failed + b.counts.cancelled}/${b.rollouts}`,
                  ),
                ),
                h("td", { class: "num" }, b.reward.n ? `${fmt.num(b.reward.mean)} ± ${fmt.num(b.reward.std)}` : "–"),
                h("td", {}, fmt.time(b.createdAt)),
              ),
            ),
            { "data-testid": "batch-list" },
          ),
    );
  }

  await refresh();
  ctx.every(3000, refresh);
}
