import { api } from "../api.js";
import { diffView } from "../diff.js";
import { badge, fill, fmt, h, prettyText, section } from "../dom.js";
import { parameters } from "./envs.js";

/** Arguments to start editing from: each property's default, its first enum value, or an empty value of its type. */
export function skeleton(schema) {
  const out = {};
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    if (p.default !== undefined) out[name] = p.default;
    else if (p.enum) out[name] = p.enum[0];
    else out[name] = { string: "", number: 0, integer: 0, boolean: false, array: [], object: {} }[p.type] ?? null;
  }
  return out;
}

export async function tryIt(root, ctx) {
  const { envs } = await api("/v1/envs");
  const preset = new URLSearchParams(location.hash.split("?")[1] ?? "").get("env");
  const envSelect = h(
    "select",
    { "data-testid": "try-env" },
    envs.map((e) => h("option", { value: e.name, selected: e.name === preset }, e.name)),
  );
  const seed = h("input", { type: "number", value: "0", "data-testid": "try-seed" });
  const instanceBox = h("div");
  const log = h("div", { "data-testid": "try-log" });
  const diffBox = h("div");
  root.append(
    section(
      "Try it",
      h(
        "p",
        { class: "muted" },
        "Create a fresh world of an environment, then call its tools as an agent would (with the instance's own token).",
      ),
      h(
        "div",
        { class: "row" },
        h("label", { class: "field" }, h("span", {}, "environment"), envSelect),
        h("label", { class: "field" }, h("span", {}, "seed"), seed),
        h(
          "button",
          { class: "primary", "data-testid": "try-create", onclick: () => ctx.guard(create()) },
          "Create instance",
        ),
      ),
    ),
    instanceBox,
    log,
    diffBox,
  );

  async function create() {
    const env = await api(`/v1/envs/${envSelect.value}`);
    const inst = await api(`/v1/envs/${env.name}/instances`, {
      method: "POST",
      body: { seed: Number(seed.value) || 0 },
    });
    log.replaceChildren();
    diffBox.replaceChildren();
    fill(instanceBox, instancePanel(env, inst));
  }

  function instancePanel(env, inst) {
    const tool = h(
      "select",
      { "data-testid": "try-tool" },
      env.tools.map((t) => h("option", { value: t.name }, t.name)),
    );
    const description = h("div");
    const args = h("textarea", { rows: 6, spellcheck: false, "data-testid": "try-args" });
    const pick = () => {
      const t = env.tools.find((x) => x.name === tool.value);
      fill(description, h("p", { class: "muted" }, t.description), parameters(t.inputSchema));
      args.value = fmt.json(skeleton(t.inputSchema));
    };
    tool.addEventListener("change", pick);
    pick();

    async function call() {
      let parsed;
      try {
        parsed = JSON.parse(args.value);
      } catch (err) {
        throw new Error(`the arguments are not JSON: ${err.message}`);
      }
      const outcome = await api(`/v1/instances/${inst.instanceId}/call`, {
        method: "POST",
        body: { tool: tool.value, args: parsed },
        bearer: inst.token,
      });
      log.prepend(
        h(
          "div",
          { class: `card tool-call ${outcome.ok ? "" : "is-error"}`, "data-testid": "try-result" },
          h(
            "div",
            { class: "call-head" },
            h("span", { class: "mono" }, `${tool.value}(${JSON.stringify(parsed)})`),
            " ",
            outcome.ok ? badge("ok", "ok") : badge(outcome.kind ?? "error", "failed"),
          ),
          h("pre", {}, outcome.ok ? prettyText(JSON.stringify(outcome.result)) : outcome.message),
        ),
      );
      // An open diff follows the world as it changes.
      if (diffBox.firstChild) await diff();
    }

    async function diff() {
      const { tables } = await api(`/v1/instances/${inst.instanceId}/diff`);
      fill(diffBox, section("Diff since creation", diffView(tables)));
    }

    async function reset() {
      await api(`/v1/instances/${inst.instanceId}/reset`, { method: "POST" });
      diffBox.replaceChildren();
      log.prepend(h("p", { class: "muted" }, "Reset to the initial state."));
    }

    async function remove() {
      await api(`/v1/instances/${inst.instanceId}`, { method: "DELETE" });
      fill(instanceBox, h("p", { class: "muted" }, `Instance ${inst.instanceId} deleted.`));
      diffBox.replaceChildren();
    }

    return section(
      `Instance ${inst.instanceId}`,
      h(
        "dl",
        { class: "kv", "data-testid": "try-instance", "data-instance": inst.instanceId },
        h("dt", {}, "MCP URL"),
        h("dd", { class: "mono" }, inst.mcpUrl),
        h("dt", {}, "token"),
        h("dd", { class: "mono" }, inst.token),
      ),
      h("div", { class: "row" }, h("label", { class: "field" }, h("span", {}, "tool"), tool)),
      description,
      args,
      h(
        "div",
        { class: "row" },
        h("button", { class: "primary", "data-testid": "try-call", onclick: () => ctx.guard(call()) }, "Call tool"),
        h("button", { "data-testid": "try-diff", onclick: () => ctx.guard(diff()) }, "Show diff"),
        h("button", { onclick: () => ctx.guard(reset()) }, "Reset"),
        h("button", { class: "danger", onclick: () => ctx.guard(remove()) }, "Delete"),
      ),
    );
  }
}
