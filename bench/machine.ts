import { cpus, loadavg, totalmem } from "node:os";

/** The load average as the reports print it. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

/** The report lines saying what machine ran a benchmark and how busy it was, given the load when it started. */
export function machineLines(loadAtStart: string): string[] {
  const busy = loadavg()[0]! > cpus().length / 2;
  return [
    `- Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${busy ? "loaded by other work (timings are noisy; CPU per call is the fairer measure)" : "quiet (nothing else running)"}`,
    `- Load average at start / end: ${loadAtStart} / ${loadAverage()}`,
  ];
}
