import { deleteWorld, WorldHost, type FacetNames } from "../../env-host/runtime/host.ts";
import { FarmError, encodeFarmError } from "../../shared/errors.ts";

/** What a lane's worlds are built from: every rollout that holds the lane starts from the same initial world. */
export interface LaneWorld {
  envName: string;
  bundleId: string;
  seed: number;
}

/** What asking for a world that was let go answers: a finished rollout's, or one its caller does not hold. */
export function worldReleased(): Error {
  return encodeFarmError(
    new FarmError("world_released", 410, "the rollout has ended and its world was released; its diff is kept"),
  );
}

/** Lane `n` is stored under `lane/<n>`: its world and who holds it. Rollout ids begin with `b_`: no clash. */
const LANE = "lane/";

interface StoredLane {
  world: LaneWorld;
  holder: string | null;
  /** When its last holder let it go. */
  releasedAt?: number;
}

interface Lane {
  n: number;
  world: LaneWorld;
  holder: string | null;
  host: WorldHost | undefined;
}

/** How long a host keeps lanes nobody holds after the last was let go: a batch may still send it rollouts. */
export const LANE_IDLE_MS = 10 * 60_000;

/** The host's facets that hold lane `n`'s worlds. */
export const laneFacets = (n: number): FacetNames => ({
  live: `lane${n}:live`,
  initial: `lane${n}:initial`,
  ownsInitial: true,
});

const sameWorld = (a: LaneWorld, b: LaneWorld) =>
  a.envName === b.envName && a.bundleId === b.bundleId && a.seed === b.seed;

/**
 * The worlds a Rollout host's rollouts hold, a lane each: a pair of facets of the host itself (`lane<n>:live`,
 * `lane<n>:initial`) that its rollouts hold one after another. Each rollout gets the initial world, with its code
 * started afresh, whatever the one before did. A world slot in an object of its own (world-slot.ts) cost a hop for
 * every tool call and two commits more a rollout, to hold it and let it go; a lane is held in the commit that starts
 * the rollout and let go in the one that stores its result.
 *
 * Who holds a lane is durable, so a rollout resuming after a restart finds its world as it left it. A lane is free in
 * memory only once its release is durable: until then the rollout's result is not, and the next holder's reset would
 * take away the world a restarted rollout verifies against.
 */
export class WorldLanes {
  private lanes: Map<number, Lane> | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {}

  private get kv() {
    return this.ctx.storage.kv;
  }

  private all(): Map<number, Lane> {
    this.lanes ??= new Map(
      Array.from(this.kv.list<StoredLane>({ prefix: LANE }), ([key, stored]) => {
        const n = Number(key.slice(LANE.length));
        return [n, { n, world: stored.world, holder: stored.holder, host: undefined }];
      }),
    );
    return this.lanes;
  }

  private hostOf(lane: Lane): WorldHost {
    lane.host ??= new WorldHost(this.ctx, this.env, lane.world, laneFacets(lane.n));
    return lane.host;
  }

  /**
   * Takes a lane for a rollout, its live world equal to the initial one of `world` and its code not yet run, and
   * answers its number. A lane of the same world is taken over, else one of another world is rebuilt, else a new one
   * is made. Taken again by the same rollout (a start retried after a failure), it is the same lane.
   */
  async hold(rolloutId: string, world: LaneWorld): Promise<number> {
    const lanes = Array.from(this.all().values());
    const free = lanes.filter((l) => l.holder === null);
    const lane = lanes.find((l) => l.holder === rolloutId) ??
      free.find((l) => sameWorld(l.world, world)) ??
      free[0] ?? { n: Math.max(-1, ...this.all().keys()) + 1, world, holder: null, host: undefined };
    const known = this.all().has(lane.n);
    const built = known && lane.holder === null && sameWorld(lane.world, world);
    lane.holder = rolloutId;
    this.all().set(lane.n, lane);
    try {
      if (!(built && (await this.handOver(this.hostOf(lane))))) {
        // Never built, built for another world, or half built or half deleted when its runtime died: built again.
        this.hostOf(lane).destroy();
        lane.world = world;
        lane.host = undefined;
        await this.hostOf(lane).create(world.seed);
      }
    } catch (err) {
      lane.holder = null;
      if (!known) this.all().delete(lane.n);
      throw err;
    }
    this.kv.put<StoredLane>(LANE + lane.n, { world, holder: rolloutId });
    return lane.n;
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

  /** The world of lane `n` for the rollout that holds it; any other caller is refused. */
  world(n: number, rolloutId: string): WorldHost {
    const lane = this.all().get(n);
    if (lane?.holder !== rolloutId) throw worldReleased();
    return this.hostOf(lane);
  }

  /**
   * Lets go of lane `n` (its rollout ended or was deleted), in the commit of whatever the rollout wrote last, and
   * frees it once that commit is durable; nothing happens for a rollout that does not hold it.
   */
  async release(n: number, rolloutId: string): Promise<void> {
    const lane = this.all().get(n);
    if (lane?.holder !== rolloutId) return;
    this.kv.put<StoredLane>(LANE + n, { world: lane.world, holder: null, releasedAt: Date.now() });
    await this.ctx.storage.sync();
    lane.holder = null;
  }

  /** When the lanes may be let go of, as stored: undefined while one is held or none exists. */
  idleUntil(): number | undefined {
    const lanes = Array.from(this.kv.list<StoredLane>({ prefix: LANE }), ([, lane]) => lane);
    if (lanes.length === 0 || lanes.some((l) => l.holder !== null)) return undefined;
    return Math.max(...lanes.map((l) => l.releasedAt ?? 0)) + LANE_IDLE_MS;
  }

  /** Deletes every lane nobody holds: their worlds and their records. */
  drop(): void {
    for (const lane of this.all().values()) {
      if (lane.holder !== null) continue;
      deleteWorld(this.ctx, laneFacets(lane.n));
      this.kv.delete(LANE + lane.n);
      this.all().delete(lane.n);
    }
  }
}
