import { DurableObject } from "cloudflare:workers";
import type { TableRows } from "../../env-host/sdk/tables.ts";
import type { ToolOutcome, VerifyOutcome } from "../../env-host/sdk/world.ts";
import { deleteWorld, WorldHost } from "../../env-host/runtime/host.ts";
import type { TableDiff } from "../../shared/instance.ts";
import { FarmError, encodeFarmError } from "../../shared/errors.ts";
import { plainResults } from "../../shared/received.ts";

/** What a slot's worlds are built from: every rollout it hosts starts from the same initial world. */
export interface SlotWorld {
  envName: string;
  bundleId: string;
  seed: number;
}

/** What asking for a world that was let go answers: a finished rollout's, or a slot its caller does not hold. */
export function worldReleased(): Error {
  return encodeFarmError(
    new FarmError("world_released", 410, "the rollout has ended and its world was released; its diff is kept"),
  );
}

/** How long a slot nobody holds keeps its worlds (two SQLite databases) before letting them go. */
const IDLE_MS = 10 * 60_000;

/**
 * A pair of worlds (initial and live) that rollouts of one bundle and seed hold one after another. A rollout that
 * built its own created a SQLite database, copied the template's rows in, cloned it and deleted both at its end;
 * taking a slot instead saved ~8 ms of CPU per ten-turn shop rollout, 12 % of a 1,024-rollout batch's time at
 * concurrency 128 (bench/BATCH-RESULTS.md). The next rollout gets the live world back as the initial one by clone
 * only when the last one wrote to it, and always with its code started afresh, so no rollout sees what another
 * left in the world or in its module scope.
 *
 * Who holds the slot is durable: a rollout that resumes after a restart finds its world as it left it, and no other
 * rollout is handed that world until the holder lets go. A slot nobody takes for IDLE_MS deletes its worlds.
 */
export class WorldSlot extends DurableObject<Env> {
  private host: WorldHost | undefined;
  /** Who holds the slot (null: nobody), as stored; undefined until read. */
  private holder: string | null | undefined;

  private get kv() {
    return this.ctx.storage.kv;
  }

  private world(world: SlotWorld): WorldHost {
    this.host ??= new WorldHost(this.ctx, this.env, { envName: world.envName, bundleId: world.bundleId });
    return this.host;
  }

  /** The world of the rollout that holds the slot; any other caller is refused. */
  private heldBy(rolloutId: string): WorldHost {
    // Asked at every call: the holder is read from storage once per instance of the object.
    this.holder ??= this.kv.get<string>("holder") ?? null;
    if (this.holder !== rolloutId) throw worldReleased();
    // A holder's worlds are built: hold() stores them before it answers.
    return this.host ?? this.world(this.kv.get<SlotWorld>("world")!);
  }

  /**
   * Takes the slot for a rollout, its live world equal to the initial one and its code not yet run; false when
   * another rollout holds it. Taking it again for the same rollout (a start that is retried) changes nothing.
   */
  async hold(rolloutId: string, world: SlotWorld): Promise<boolean> {
    const holder = this.kv.get<string>("holder");
    if (holder !== undefined) return holder === rolloutId;
    this.kv.put("holder", rolloutId);
    this.holder = rolloutId;
    try {
      const host = this.world(world);
      if (!(this.kv.get("world") && (await this.handOver(host)))) {
        // Never built, or half built or half deleted when its runtime died: built again, whole.
        host.destroy();
        await host.create(world.seed);
        this.kv.put("world", world);
      }
      return true;
    } catch (err) {
      this.kv.delete("holder");
      this.holder = null;
      throw err;
    }
  }

  /** Makes the last holder's live world the initial one again; false when the worlds cannot be read. */
  private async handOver(host: WorldHost): Promise<boolean> {
    let changed: boolean;
    try {
      changed = await host.changed();
    } catch {
      return false;
    }
    if (changed) host.reset();
    else await host.restartLive();
    return true;
  }

  /**
   * Lets go of the slot (the rollout ended or was deleted); nothing happens for a rollout that does not hold it.
   * The idle alarm is set only when none is pending, and holding leaves it be (it finds a holder and does nothing):
   * setting it at every release and deleting it at every hold was two more commits per rollout.
   */
  async release(rolloutId: string): Promise<void> {
    if (this.kv.get<string>("holder") !== rolloutId) return;
    this.kv.delete("holder");
    this.kv.put("releasedAt", Date.now());
    this.holder = null;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + IDLE_MS);
  }

  /** Deletes the worlds of a slot nobody has held for IDLE_MS; one let go of more recently is looked at again then. */
  override async alarm(): Promise<void> {
    if (this.kv.get("holder") !== undefined) return;
    const idleUntil = (this.kv.get<number>("releasedAt") ?? 0) + IDLE_MS;
    if (idleUntil > Date.now()) {
      await this.ctx.storage.setAlarm(idleUntil);
      return;
    }
    this.host = undefined;
    deleteWorld(this.ctx);
    await this.ctx.storage.deleteAll();
  }

  call(rolloutId: string, tool: string, args: unknown, stepId: string, token: string): Promise<ToolOutcome> {
    return this.heldBy(rolloutId).call(tool, args, stepId, token);
  }

  verify(rolloutId: string, taskId: string, answer: string | null, token: string): Promise<VerifyOutcome> {
    return this.heldBy(rolloutId).verify(taskId, answer, token);
  }

  diff(rolloutId: string): Promise<TableDiff[]> {
    return this.heldBy(rolloutId).diff();
  }

  rows(rolloutId: string, table: string, offset: number, limit: number): Promise<TableRows & { total: number }> {
    return this.heldBy(rolloutId).rows(table, offset, limit);
  }
}

/** The slot's RPC surface, spelled out: the generated stub types of its JSON results are too deep for tsc. */
export interface SlotStub {
  hold(rolloutId: string, world: SlotWorld): Promise<boolean>;
  release(rolloutId: string): Promise<void>;
  call(rolloutId: string, tool: string, args: unknown, stepId: string, token: string): Promise<ToolOutcome>;
  verify(rolloutId: string, taskId: string, answer: string | null, token: string): Promise<VerifyOutcome>;
  diff(rolloutId: string): Promise<TableDiff[]>;
  rows(rolloutId: string, table: string, offset: number, limit: number): Promise<TableRows & { total: number }>;
}

export function slotStub(env: Env, name: string): SlotStub {
  return plainResults(env.WORLD_SLOT.getByName(name)) as unknown as SlotStub;
}

/** Slots let go of in this isolate, by bundle and seed: the next rollout of that world holds one of them. */
const spare = new Map<string, string[]>();
/** How many slot names this isolate has handed out per bundle and seed. */
const named = new Map<string, number>();

const keyOf = (world: SlotWorld) => `${world.bundleId}/${world.seed}`;

/**
 * Holds a slot for a rollout and answers its name: one let go of in this isolate, else the next name. Names count
 * from 0 again in a fresh isolate (after a restart); those that resuming rollouts hold answer no, and are passed.
 */
export async function holdSlot(env: Env, rolloutId: string, world: SlotWorld): Promise<string> {
  const key = keyOf(world);
  for (;;) {
    let name = spare.get(key)?.pop();
    if (name === undefined) {
      const n = named.get(key) ?? 0;
      named.set(key, n + 1);
      name = `${key}/${n}`;
    }
    if (await slotStub(env, name).hold(rolloutId, world)) return name;
  }
}

/** Lets go of a rollout's slot and offers it to the next rollout started in this isolate. */
export async function releaseSlot(env: Env, name: string, rolloutId: string): Promise<void> {
  await slotStub(env, name).release(rolloutId);
  const key = name.slice(0, name.lastIndexOf("/"));
  const list = spare.get(key) ?? [];
  if (!list.includes(name)) list.push(name);
  spare.set(key, list);
}
