import { api } from "../api.js";
import { badge, fmt, h, link, section, table } from "../dom.js";

export async function envList(root) {
  const { envs } = await api("/v1/envs");
  root.append(
    section(
      "Environments",
      envs.length === 0
        ? h("p", { class: "muted" }, "No environments uploaded yet: worldfarm envs upload")
        : table(
            ["name", "description", "tools", "tasks", "bundle", "updated"],
            envs.map((e) =>
              h(
                "tr",
                { "data-env": e.name },
                h("td", {}, link(`#/envs/${e.name}`, e.name)),
                h("td", {}, e.description),
                h("td", { class: "num" }, e.tools),
                h("td", { class: "num" }, e.tasks),
                h("td", { class: "mono" }, fmt.short(e.bundleId, 12)),
                h("td", {}, fmt.time(e.updatedAt)),
              ),
            ),
            { "data-testid": "env-list" },
          ),
    ),
  );
}

/** A JSON Schema's top-level properties as rows: what a tool takes. */
export function parameters(schema) {
  const props = Object.entries(schema.properties ?? {});
  if (!props.length) return h("p", { class: "muted" }, "No arguments.");
  const required = new Set(schema.required ?? []);
  return table(
    ["argument", "type", "required", "description"],
    props.map(([name, p]) =>
      h(
        "tr",
        {},
        h("td", { class: "mono" }, name),
        h("td", { class: "mono" }, p.enum ? p.enum.join(" | ") : (p.type ?? "any")),
        h("td", {}, required.has(name) ? "yes" : ""),
        h("td", {}, p.description ?? ""),
      ),
    ),
  );
}

function toolCard(tool) {
  const a = tool.annotations;
  return h(
    "details",
    { class: "tool", "data-tool": tool.name },
    h(
      "summary",
      {},
      h("span", { class: "mono" }, tool.name),
      " ",
      a.readOnlyHint ? badge("read-only", "ok") : null,
      a.destructiveHint ? badge("destructive", "failed") : null,
      a.idempotentHint ? badge("idempotent", "muted") : null,
      " ",
      h("span", { class: "muted" }, tool.description),
    ),
    parameters(tool.inputSchema),
    h("details", {}, h("summary", {}, "JSON Schema"), h("pre", {}, fmt.json(tool.inputSchema))),
  );
}

export async function envDetail(root, _ctx, name) {
  const env = await api(`/v1/envs/${encodeURIComponent(name)}`);
  root.append(
    h("h1", {}, env.name, " ", h("span", { class: "muted small" }, env.description)),
    h("p", { class: "muted mono" }, `bundle ${env.bundleId} · sdk ${env.sdkVersion}`),
    h("p", {}, link(`#/try?env=${env.name}`, "Try its tools"), " · ", link(`#/batches?env=${env.name}`, "Run a batch")),
    section(`Tools (${env.tools.length})`, h("div", { "data-testid": "tools" }, env.tools.map(toolCard))),
    section(
      `Tasks (${env.tasks.length})`,
      table(
        ["id", "prompt"],
        env.tasks.map((t) => h("tr", { "data-task": t.id }, h("td", { class: "mono" }, t.id), h("td", {}, t.prompt))),
        { "data-testid": "tasks" },
      ),
    ),
  );
}
