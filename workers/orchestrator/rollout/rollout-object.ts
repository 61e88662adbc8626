import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import { RolloutSpec, type RolloutResult, type RolloutView } from "../../shared/rollout.ts";
import type { TableDiff } from "../../shared/instance.ts";
import type { TableRows } from "../../env-host/sdk/tables.ts";
import type { TrainingResult } from "../bridge/group-document.ts";
import { INDEX, RolloutRun, type Liveness } from "./rollout-run.ts";
import { WorldLanes } from "./world-lanes.ts";

/**
 * The object that hosts rollouts: those of one batch that the batch places here (batch/hosts.ts), several at once and
 * one after another, each under keys of its own. An object per rollout created, checkpointed, closed and deleted a
 * SQLite database for every rollout (four `fsync`s to create it alone), and its commits never shared a write with
 * another rollout's; a host's rollouts share one database and the commits that happen together.
 *
 * A rollout stored before hosts existed lives alone in an object named by its id, its keys unprefixed: it is read,
 * resumed and deleted here as before.
 */
export class Rollout extends DurableObject<Env> {
  private readonly runs = new Map<string, RolloutRun>();
  private readonly lanes = new WorldLanes(this.ctx, this.env);
  /** Alarms running in this instance: each waits on the loops it found, not on those started after it. */
  private alarming = 0;

  private rollout(rolloutId: string): RolloutRun {
    let run = this.runs.get(rolloutId);
    if (!run) {
      const alone = this.ctx.storage.kv.get<RolloutSpec>("spec")?.rolloutId === rolloutId;
      run = new RolloutRun(this.ctx, this.env, this.lanes, rolloutId, alone ? "" : `${rolloutId}/`);
      this.runs.set(rolloutId, run);
    }
    return run;
  }

  /** The rollouts whose results are not stored yet. */
  private live(): string[] {
    const kv = this.ctx.storage.kv;
    const ids = Array.from(kv.list<string>({ prefix: INDEX }))
      .filter(([, state]) => state === "live")
      .map(([key]) => key.slice(INDEX.length));
    const alone = kv.get<RolloutSpec>("spec");
    if (alone && !kv.get("result")) ids.push(alone.rolloutId);
    return ids;
  }

  /** Builds the rollout's world and schedules its loop; idempotent for the same spec. */
  async start(input: z.input<typeof RolloutSpec>): Promise<void> {
    const spec = RolloutSpec.parse(input);
    const run = this.rollout(spec.rolloutId);
    if (!(await run.start(spec))) return;
    await this.ctx.storage.setAlarm(Date.now());
    // An alarm in progress would start this loop only once it ends; the alarm just set holds the object open for it.
    if (this.alarming > 0) void run.drive().catch(() => undefined);
  }

  /**
   * Runs every live rollout to its end and reports each to its batch, the alarm open as long as they run. A failed
   * report fails the alarm once the others have ended, so the alarm retries it. With none left, the lanes nobody has
   * held for a while are let go of; until then the alarm comes back for them.
   */
  override async alarm(): Promise<void> {
    this.alarming += 1;
    try {
      const outcomes = await Promise.allSettled(this.live().map((id) => this.rollout(id).wake()));
      const failed = outcomes.find((o) => o.status === "rejected");
      if (failed) throw failed.reason;
      if (this.live().length === 0) await this.idle();
    } finally {
      this.alarming -= 1;
    }
  }

  private async idle(): Promise<void> {
    const until = this.lanes.idleUntil();
    if (until === undefined) return;
    if (until > Date.now()) await this.ctx.storage.setAlarm(until);
    else this.lanes.drop();
  }

  /** Runs up to `turns` turns of a rollout, checkpointing after each; finishes it when it is done. */
  advance(rolloutId: string, turns?: number): Promise<RolloutResult | null> {
    return this.rollout(rolloutId).advance(turns);
  }

  resume(rolloutId: string): Promise<Liveness> {
    return this.rollout(rolloutId).resume();
  }

  cancel(rolloutId: string): void {
    this.rollout(rolloutId).cancel();
  }

  /**
   * Deletes everything a rollout holds (checkpoints, turns, result, diff, its world) once its loop has stopped. The
   * host's storage goes with its last rollout, its lanes' facets with it: then the answer is the object's id, which
   * names its files on a local farm; null while other rollouts remain.
   */
  async purge(rolloutId: string): Promise<string | null> {
    const run = this.rollout(rolloutId);
    await run.stop();
    this.runs.delete(rolloutId);
    if (!run.alone) {
      run.erase();
      if (Array.from(this.ctx.storage.kv.list({ prefix: INDEX, limit: 1 })).length > 0) return null;
    }
    await this.ctx.storage.deleteAll();
    return this.ctx.id.toString();
  }

  result(rolloutId: string): RolloutResult | null {
    return this.rollout(rolloutId).result();
  }

  /** The result as trainers read it: every turn's token ids, without the request messages the viewer shows. */
  trajectory(rolloutId: string): TrainingResult | null {
    return this.rollout(rolloutId).trajectory();
  }

  view(rolloutId: string): RolloutView {
    return this.rollout(rolloutId).view();
  }

  diff(rolloutId: string): Promise<TableDiff[]> {
    return this.rollout(rolloutId).diff();
  }

  rows(rolloutId: string, table: string, offset: number, limit: number): Promise<TableRows & { total: number }> {
    return this.rollout(rolloutId).rows(table, offset, limit);
  }
}
