import { describeUsage, type UsageMeter } from "./usage.ts";

export interface ProgressOptions {
  stage: string;
  total: number;
  usage: UsageMeter;
  stream?: NodeJS.WriteStream;
}

/**
 * One line per stage on stderr: a bar redrawn in place on a terminal; elsewhere (logs, CI) only the final line,
 * so captured output is not flooded with carriage returns.
 */
export function progressBar({ stage, total, usage, stream = process.stderr }: ProgressOptions) {
  const started = Date.now();
  let done = 0;
  let dropped = 0;
  const live = stream.isTTY === true;
  const line = () => {
    const width = 24;
    const filled = total ? Math.round((done / total) * width) : width;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const u = usage.stage(stage);
    return (
      `${stage.padEnd(10)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}` +
      `${dropped ? ` (${dropped} dropped)` : ""} ${seconds}s  ${describeUsage(u, usage.cost(stage))}`
    );
  };
  const draw = () => live && stream.write(`\r${line()}\x1b[K`);
  draw();
  return {
    tick(ok = true) {
      done++;
      if (!ok) dropped++;
      draw();
    },
    finish() {
      stream.write(live ? `\r${line()}\x1b[K\n` : `${line()}\n`);
    },
  };
}
export type Progress = ReturnType<typeof progressBar>;
