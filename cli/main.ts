import { parseArgs } from "node:util";
import { commands } from "./commands/index.ts";
import { isGroup, UsageError, type Command, type CommandGroup } from "./commands/command.ts";
import { TransportError } from "../trainer-bridge/ts/index.ts";

const list = (entries: Record<string, { summary: string }>) =>
  Object.entries(entries)
    .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
    .join("\n");

const USAGE = `worldfarm <command> [options]

Commands:
${list(commands)}

Run "worldfarm <command> --help" for a command's options.`;

function groupUsage(name: string, group: CommandGroup): string {
  return `worldfarm ${name} <subcommand> [options]\n\n${group.summary}\n\nSubcommands:\n${list(group.subcommands)}\n\nRun "worldfarm ${name} <subcommand> --help" for its options.`;
}

const wantsHelp = (args: string[]) => args.includes("--help") || args.includes("-h");

/** Finds the command argv names; undefined after printing why not. */
function resolve(argv: string[]): { command: Command; label: string; rest: string[] } | { exit: number } {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    console.log(USAGE);
    return { exit: name ? 0 : 2 };
  }
  const node = commands[name];
  if (!node) {
    console.error(`worldfarm: unknown command "${name}"\n\n${USAGE}`);
    return { exit: 2 };
  }
  if (!isGroup(node)) return { command: node, label: name, rest };
  const [sub, ...subRest] = rest;
  if (!sub || sub === "--help" || sub === "-h") {
    (sub ? console.log : console.error)(groupUsage(name, node));
    return { exit: sub ? 0 : 2 };
  }
  const command = node.subcommands[sub];
  if (!command) {
    console.error(`worldfarm ${name}: unknown subcommand "${sub}"\n\n${groupUsage(name, node)}`);
    return { exit: 2 };
  }
  return { command, label: `${name} ${sub}`, rest: subRest };
}

async function main(argv: string[]): Promise<number> {
  const found = resolve(argv);
  if ("exit" in found) return found.exit;
  const { command, label, rest } = found;
  if (wantsHelp(rest)) {
    console.log(command.usage);
    return 0;
  }
  const json = rest.includes("--json");
  try {
    const parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    return await command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    // The client says what failed; what to do about it is the CLI's to say, in its own flags.
    const message =
      err instanceof TransportError
        ? `${err.message}: start one with "npm start", or pass --url`
        : err instanceof Error
          ? err.message
          : String(err);
    if (json)
      console.error(
        JSON.stringify({ error: { code: usage ? "usage" : ((err as { code?: string }).code ?? "error"), message } }),
      );
    else console.error(`worldfarm ${label}: ${message}${usage ? `\n\n${command.usage}` : ""}`);
    return usage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`worldfarm: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
