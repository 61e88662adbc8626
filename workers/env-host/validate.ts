import type { BundleManifest } from "../shared/manifest.ts";
import type { ValidationReport } from "../shared/validation.ts";
import { decodeFarmError } from "../shared/errors.ts";
import { smokeValue } from "./smoke-args.ts";
import { instanceStub, type InstanceRpc } from "./instance.ts";

const PARALLEL = 4;

async function fresh(env: Env, manifest: BundleManifest): Promise<InstanceRpc> {
  const id = crypto.randomUUID().replaceAll("-", "");
  const stub = await instanceStub(env, id, manifest.name);
  await stub.create({ instanceId: id, env: manifest.name, bundleId: manifest.bundleId, seed: 0, ttlSeconds: 600 });
  return stub;
}

async function inParallel<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const message = (err: unknown) =>
  (decodeFarmError(err) ?? (err instanceof Error ? err : new Error(String(err)))).message;

/**
 * The proof an environment is usable: its world builds, every tool answers a call, every reference solution
 * passes its verifier, and doing nothing passes none. Runs against real instances, the way agents meet them.
 */
export async function validateEnv(env: Env, manifest: BundleManifest): Promise<ValidationReport> {
  const started = Date.now();
  const report: ValidationReport = {
    env: manifest.name,
    bundleId: manifest.bundleId,
    ok: false,
    world: { ok: true },
    tools: [],
    tasks: [],
    ms: 0,
  };
  let smoke: InstanceRpc;
  try {
    smoke = await fresh(env, manifest);
  } catch (err) {
    report.world = { ok: false, error: message(err) };
    report.ms = Date.now() - started;
    return report;
  }
  const exemplars = new Map(manifest.tasks.flatMap((t) => t.solution.map((s) => [s.tool, s.args] as const)));
  for (const t of manifest.tools) {
    const args = exemplars.get(t.name) ?? smokeValue(t.inputSchema);
    const outcome = await smoke.callTool(t.name, args);
    const broken =
      !outcome.ok && (outcome.kind === "runaway" || outcome.kind === "unknown_tool" || outcome.internal === true);
    report.tools.push({
      tool: t.name,
      ok: !broken,
      ...(outcome.ok ? {} : { error: `${outcome.kind}: ${outcome.message}` }),
    });
  }
  await smoke.destroy();
  report.tasks = await inParallel(manifest.tasks, PARALLEL, async (t) => {
    const problems: string[] = [];
    const solved = await fresh(env, manifest);
    const idle = await fresh(env, manifest);
    try {
      for (const [i, step] of t.solution.entries()) {
        const outcome = await solved.callTool(step.tool, step.args);
        if (!outcome.ok) problems.push(`solution step ${i + 1} (${step.tool}) failed: ${outcome.message}`);
      }
      const withSolution = await solved.verify(t.id, t.referenceAnswer ?? null).catch((err: unknown) => message(err));
      if (typeof withSolution === "string") problems.push(`verifier failed: ${withSolution}`);
      else if (!withSolution.complete) problems.push("the reference solution does not pass the verifier");
      const withNothing = await idle.verify(t.id, null).catch((err: unknown) => message(err));
      if (typeof withNothing === "string") problems.push(`verifier failed on the initial state: ${withNothing}`);
      else if (withNothing.complete) problems.push("doing nothing passes the verifier");
    } finally {
      await Promise.all([solved.destroy(), idle.destroy()]);
    }
    return { task: t.id, ok: problems.length === 0, problems };
  });
  report.ok = report.world.ok && report.tools.every((t) => t.ok) && report.tasks.every((t) => t.ok);
  report.ms = Date.now() - started;
  return report;
}
