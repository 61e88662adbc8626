import { DurableObject } from "cloudflare:workers";
import type { TableRows } from "../../env-host/sdk/tables.ts";
import type { ToolOutcome, VerifyOutcome } from "../../env-host/sdk/world.ts";
import { deleteWorld, WorldHost } from "../../env-host/runtime/host.ts";
import type { TableDiff } from "../../shared/instance.ts";
import { plainResults } from "../../shared/received.ts";
import { worldReleased, type LaneWorld } from "./world-lanes.ts";

/** How long a slot nobody holds keeps its worlds (two SQLite databases) before letting them go. */
const IDLE_MS = 10 * 60_000;

/**
 * A pair of worlds (initial and live) in an object of its own that rollouts of one bundle and seed held one after
 * another, before a rollout's host kept its rollouts' worlds itself (world-lanes.ts). A rollout that holds one still
 * runs in it and lets it go at its end; no slot is handed out any more. A slot nobody holds for IDLE_MS deletes its
 * worlds.
 */
export class WorldSlot extends DurableObject<Env> {
  private host: WorldHost | undefined;
  /** Who holds the slot (null: nobody), as stored; undefined until read. */
  private holder: string | null | undefined;

  private get kv() {
    return this.ctx.storage.kv;
  }

  /** The world of the rollout that holds the slot; any other caller is refused. */
  private heldBy(rolloutId: string): WorldHost {
    // Asked at every call: the holder is read from storage once per instance of the object.
    this.holder ??= this.kv.get<string>("holder") ?? null;
    if (this.holder !== rolloutId) throw worldReleased();
    // A holder's worlds were built before it was stored.
    const world = this.kv.get<LaneWorld>("world")!;
    this.host ??= new WorldHost(this.ctx, this.env, { envName: world.envName, bundleId: world.bundleId });
    return this.host;
  }

  /**
   * Lets go of the slot (the rollout ended or was deleted); nothing happens for a rollout that does not hold it.
   * The idle alarm is set only when none is pending.
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
  release(rolloutId: string): Promise<void>;
  call(rolloutId: string, tool: string, args: unknown, stepId: string, token: string): Promise<ToolOutcome>;
  verify(rolloutId: string, taskId: string, answer: string | null, token: string): Promise<VerifyOutcome>;
  diff(rolloutId: string): Promise<TableDiff[]>;
  rows(rolloutId: string, table: string, offset: number, limit: number): Promise<TableRows & { total: number }>;
}

export function slotStub(env: Env, name: string): SlotStub {
  return plainResults(env.WORLD_SLOT.getByName(name)) as unknown as SlotStub;
}

/** Lets go of a rollout's slot. */
export function releaseSlot(env: Env, name: string, rolloutId: string): Promise<void> {
  return slotStub(env, name).release(rolloutId);
}
