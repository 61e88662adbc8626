import type { Command, CommandGroup } from "./command.ts";
import { UsageError } from "./command.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "./farm-options.ts";
import { renderTable } from "./render.ts";
import { upload } from "./upload.ts";
import { validate } from "./validate.ts";

const list: Command = {
  summary: "list the farm's environments",
  usage: `worldfarm envs list [--url URL] [--token TOKEN] [--json]\n\n${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length) throw new UsageError(`envs list takes no arguments, not "${positionals.join(" ")}"`);
    const envs = await farmFrom(values).envs();
    if (values.json) console.log(JSON.stringify(envs));
    else if (!envs.length) console.log("no environments: worldfarm envs upload");
    else
      console.log(
        renderTable(
          ["name", "tools", "tasks", "bundle", "description"],
          envs.map((e) => [
            e.name,
            e.tools,
            e.tasks,
            e.bundleId.slice(0, 12),
            e.description.length > 60 ? `${e.description.slice(0, 59)}…` : e.description,
          ]),
        ),
      );
    return 0;
  },
};

const show: Command = {
  summary: "one environment's tools and tasks",
  usage: `worldfarm envs show <env> [--url URL] [--token TOKEN] [--json]\n\n${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("name one environment: worldfarm envs show <env>");
    const env = await farmFrom(values).env(positionals[0]!);
    if (values.json) {
      console.log(JSON.stringify(env));
      return 0;
    }
    console.log(`${env.name} (${env.bundleId.slice(0, 12)}): ${env.description}\n`);
    console.log(
      renderTable(
        ["tool", "arguments", "description"],
        env.tools.map((t) => [
          t.name,
          Object.keys((t.inputSchema.properties ?? {}) as object).join(", "),
          t.description,
        ]),
      ),
    );
    console.log("");
    console.log(
      renderTable(
        ["task", "prompt"],
        env.tasks.map((t) => [t.id, t.prompt]),
      ),
    );
    return 0;
  },
};

export const envs: CommandGroup = {
  summary: "environments: list, show, upload, validate",
  subcommands: { list, show, upload, validate },
};
