import { api } from "../api.js";
import { diffView } from "../diff.js";
import { fill, fmt, h, link, section, table } from "../dom.js";

export async function instances(root, ctx) {
  const body = h("div");
  const detail = h("div");
  root.append(
    section(
      "Live instances",
      h(
        "p",
        { class: "muted" },
        "Worlds created over the API or by MCP sessions; each expires after its idle TTL. ",
        link("#/try", "Create one in Try it."),
      ),
      body,
    ),
    detail,
  );

  async function showDiff(id) {
    const { tables } = await api(`/v1/instances/${id}/diff`);
    fill(detail, section(`Diff of ${fmt.short(id, 12)} since its initial state`, diffView(tables)));
  }

  async function remove(id) {
    await api(`/v1/instances/${id}`, { method: "DELETE" });
    detail.replaceChildren();
    await refresh();
  }

  async function refresh() {
    const list = await api("/v1/instances?limit=200");
    fill(
      body,
      list.instances.length === 0
        ? h("p", { class: "muted", "data-testid": "no-instances" }, "No live instances.")
        : table(
            ["instance", "env", "created", "expires", "calls", "errors", ""],
            list.instances.map((i) =>
              h(
                "tr",
                { "data-instance": i.instanceId },
                h("td", { class: "mono" }, fmt.short(i.instanceId, 12)),
                h("td", {}, link(`#/envs/${i.env}`, i.env)),
                h("td", {}, fmt.time(i.createdAt)),
                h("td", {}, fmt.time(i.expiresAt)),
                h("td", { class: "num" }, i.counters.calls),
                h("td", { class: "num" }, i.counters.errors),
                h(
                  "td",
                  {},
                  h("button", { onclick: () => ctx.guard(showDiff(i.instanceId)) }, "diff"),
                  " ",
                  h("button", { class: "danger", onclick: () => ctx.guard(remove(i.instanceId)) }, "delete"),
                ),
              ),
            ),
            { "data-testid": "instance-list" },
          ),
      list.total > list.instances.length
        ? h("p", { class: "muted" }, `showing ${list.instances.length} of ${list.total}`)
        : null,
    );
  }

  await refresh();
  ctx.every(5000, refresh);
}
