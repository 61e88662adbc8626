/**
 * Runs a command (npm test's `vitest run`), passing its output through as it comes, and fails a run whose output
 * shows a fault no test failed on: a rejection nobody handled, an exception nothing caught, an RPC result or stub
 * never disposed. A command that fails keeps its own exit status.
 *
 *   node test/quiet/check-output.ts vitest run [args...]
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** workerd's words for each such fault; "not disposed" covers both an RPC result and an RPC stub. */
const ALARMS = [/uncaught exception/i, /Uncaught \(in promise\)/, /was not disposed properly/];

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour codes this strips
const plain = (line: string) => line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

/** The lines of `output` that report such a fault. */
export function alarmingLines(output: string): string[] {
  return output
    .split(/\r?\n/)
    .map(plain)
    .filter((line) => ALARMS.some((re) => re.test(line)));
}

/** Runs `command` to its end; resolves to the exit status npm test should have. */
export function checkedRun(
  command: string,
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  // Piped, vitest would drop its colours; a terminal should see the run as it would without this wrapper.
  const color = (out as { isTTY?: boolean }).isTTY ? { FORCE_COLOR: "1" } : {};
  const child = spawn(command, args, { stdio: ["inherit", "pipe", "pipe"], env: { ...process.env, ...color } });
  const found: string[] = [];
  // Scanned a line at a time as it streams, so a long run's output is never held whole.
  const scan = (stream: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
    let partial = "";
    stream.on("data", (chunk: Buffer) => {
      to.write(chunk);
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop()!;
      found.push(...alarmingLines(lines.join("\n")));
    });
    stream.on("end", () => found.push(...alarmingLines(partial)));
  };
  scan(child.stdout!, out);
  scan(child.stderr!, err);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code !== 0) return resolve(code ?? (signal ? 1 : 0));
      if (!found.length) return resolve(0);
      err.write(
        `\n${command} passed, but its output shows ${found.length} fault${found.length === 1 ? "" : "s"} no test failed on (unhandled rejections, uncaught exceptions, undisposed RPC results):\n${found.map((l) => `  ${l.trim()}`).join("\n")}\n`,
      );
      resolve(1);
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error("usage: node test/quiet/check-output.ts <command> [args...]");
    process.exit(2);
  }
  process.exitCode = await checkedRun(command, args);
}
