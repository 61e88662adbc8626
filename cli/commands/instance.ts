import type { InstanceInfo } from "../../workers/shared/instance.ts";
import type { Command, CommandGroup } from "./command.ts";
import { intOption, UsageError } from "./command.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "./farm-options.ts";
import { renderTable } from "./render.ts";

const create: Command = {
  summary: "create a fresh world of an environment; prints its MCP URL, call URL and token",
  usage: `worldfarm instance create <env> [--seed N] [--ttl SECONDS] [--url URL] [--token TOKEN] [--json]

  --seed N        seeds the world's random source (default 0)
  --ttl SECONDS   idle time before it expires (default 3600)
${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, seed: { type: "string" }, ttl: { type: "string" }, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("name one environment: worldfarm instance create <env>");
    const body = {
      seed: intOption(values, "seed", 0, Number.MIN_SAFE_INTEGER),
      ttlSeconds: intOption(values, "ttl", 3600, 10, 7 * 86400),
    };
    const created = await farmFrom(values).createInstance(positionals[0]!, body);
    if (values.json) console.log(JSON.stringify(created));
    else
      console.log(
        `instance ${created.instanceId} (${created.env})\n  MCP URL   ${created.mcpUrl}\n  call URL  ${created.callUrl}\n  token     ${created.token}`,
      );
    return 0;
  },
};

const list: Command = {
  summary: "list live instances, newest first",
  usage: `worldfarm instance list [--env ENV] [--limit N] [--url URL] [--token TOKEN] [--json]\n\n${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, env: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length) throw new UsageError(`instance list takes no arguments, not "${positionals.join(" ")}"`);
    const page = await farmFrom(values).instances({
      limit: intOption(values, "limit", 50, 1, 200),
      ...(values.env ? { envName: values.env as string } : {}),
    });
    if (values.json) console.log(JSON.stringify(page));
    else if (!page.instances.length) console.log("no live instances");
    else
      console.log(
        renderTable(
          ["instance", "env", "calls", "errors", "created", "expires"],
          page.instances.map((i: InstanceInfo) => [
            i.instanceId,
            i.env,
            i.counters.calls,
            i.counters.errors,
            i.createdAt,
            i.expiresAt,
          ]),
        ) + (page.total > page.instances.length ? `\n(${page.instances.length} of ${page.total})` : ""),
      );
    return 0;
  },
};

const call: Command = {
  summary: "call one tool of an instance",
  usage: `worldfarm instance call <instanceId> <tool> [ARGS_JSON] [--instance-token T] [--url URL] [--token TOKEN] [--json]

ARGS_JSON defaults to {}. The call is made as the agent would make it, with the instance token when given
(--instance-token), else as the farm's admin. Prints the tool's result ({"ok":true,"result":...} with --json).
Exits 1 when the tool answers with an error, which goes to stderr ({"error":{"code","message"}} with --json,
the code one of unknown_tool, invalid_arguments, tool_error, runaway).
${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, "instance-token": { type: "string" }, json: { type: "boolean" } },
  async run(values, positionals) {
    const [id, tool, argsText = "{}", ...extra] = positionals;
    if (!id || !tool || extra.length) throw new UsageError("worldfarm instance call <instanceId> <tool> [ARGS_JSON]");
    let args: unknown;
    try {
      args = JSON.parse(argsText);
    } catch {
      throw new UsageError(`the tool arguments are not JSON: ${argsText}`);
    }
    const outcome = await farmFrom(values).callTool(id, tool, args, values["instance-token"] as string | undefined);
    if (outcome.ok) console.log(values.json ? JSON.stringify(outcome) : JSON.stringify(outcome.result, null, 2));
    // A tool's refusal is an error like any other: on stderr, as {"error":{code,message}} with --json.
    else if (values.json)
      console.error(
        JSON.stringify({ error: { code: outcome.kind ?? "tool_error", message: `${tool}: ${outcome.message}` } }),
      );
    else console.error(`${tool}: ${outcome.kind ?? "error"}: ${outcome.message}`);
    return outcome.ok ? 0 : 1;
  },
};

const remove: Command = {
  summary: "delete an instance and its world",
  usage: `worldfarm instance delete <instanceId> [--url URL] [--token TOKEN] [--json]\n\n${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("name one instance: worldfarm instance delete <instanceId>");
    await farmFrom(values).deleteInstance(positionals[0]!);
    console.log(values.json ? JSON.stringify({ deleted: positionals[0] }) : `deleted ${positionals[0]}`);
    return 0;
  },
};

export const instance: CommandGroup = {
  summary: "instances: create, list, call, delete",
  subcommands: { create, list, call, delete: remove },
};
