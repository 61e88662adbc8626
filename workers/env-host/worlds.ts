import { FarmError, decodeFarmError } from "../shared/errors.ts";
import { plainNamespace } from "../shared/received.ts";
import { farmIndex } from "../farm-index/client.ts";
import type { EnvInstance } from "./instance.ts";
import type { Rollout } from "../orchestrator/rollout/rollout-object.ts";
import { fnv1a } from "../orchestrator/rollout/fnv.ts";
import { hostPlace } from "../orchestrator/batch/hosts.ts";

/**
 * Which namespace holds an environment's objects (its EnvInstances and Rollouts, the objects that run its code).
 *
 * Deployed and in the vitest pool one Worker holds them all: ENV_INSTANCE and ROLLOUT, and Cloudflare's per-isolate
 * limits contain a runaway. Locally workerd enforces no limit, so the farm runs environment code in workerd
 * processes of its own ("worlds", cli/farm/): the control process, which holds the registry, the farm index, the
 * batches and the HTTP API, has no binding to either class and no Worker Loader; it reaches world N through ENV_INSTANCE_N and
 * ROLLOUT_N, and asks WORLDS, the supervisor, which world an environment lives in and why a world went away.
 */

/** The bindings only the local multi-process layout has. */
interface WorldBindings {
  WORLDS?: Fetcher;
  [binding: `ENV_INSTANCE_${number}`]: DurableObjectNamespace<EnvInstance>;
  [binding: `ROLLOUT_${number}`]: DurableObjectNamespace<Rollout>;
}

/** A stopped world's calls fail with workerd's own words; nothing else says the process went away. */
const LOST =
  /Network connection lost|broken\.|disconnected|The Durable Object's code has been updated|not found\. Make sure it is running locally|Couldn't find a local dev session/i;

/** How often a call that never reached its world is sent again: a world just started takes a moment to register. */
const RESENDS = 30;
/** The pause before resend number `attempt`. */
const resendWait = (attempt: number) => scheduler.wait(Math.min(20 * 2 ** attempt, 200));

/** Lost-world causes the supervisor names; each is the limit the environment's code ran into. */
const CAUSES = new Set(["runaway", "memory", "world_crashed"]);

const slots = new Map<string, Promise<number>>();
const instanceEnvs = new Map<string, string>();

function worlds(env: Env): Fetcher | undefined {
  return (env as Env & WorldBindings).WORLDS;
}

/** Whether this process reaches environment code in other processes (true only in the local control process). */
export function hasWorlds(env: Env): boolean {
  return worlds(env) !== undefined;
}

async function ask<T>(env: Env, path: string, payload?: unknown): Promise<T> {
  const res = await worlds(env)!.fetch(`http://worlds${path}`, {
    method: "POST",
    ...(payload === undefined
      ? {}
      : { body: JSON.stringify(payload), headers: { "content-type": "application/json" } }),
  });
  const body = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok)
    throw new FarmError(
      body.error?.code ?? "world_unavailable",
      503,
      body.error?.message ?? `the world supervisor answered ${res.status}`,
    );
  return body;
}

/** The world an environment lives in; the supervisor starts it on first use. */
export function slotOf(env: Env, name: string): Promise<number> {
  let slot = slots.get(name);
  if (!slot) {
    slot = ask<{ slot: number }>(env, `/assign?env=${encodeURIComponent(name)}`).then((a) => a.slot);
    slot.catch(() => slots.delete(name));
    slots.set(name, slot);
  }
  return slot;
}

export async function instanceNamespace(env: Env, name: string): Promise<DurableObjectNamespace<EnvInstance>> {
  if (!hasWorlds(env)) return env.ENV_INSTANCE;
  return plainNamespace((env as Env & WorldBindings)[`ENV_INSTANCE_${await slotOf(env, name)}`]);
}

/**
 * World `shard` of environment `name`, one of `shards` as `place` chooses for an object: shard 0 is the environment's
 * own world; shard k is the world assigned to `name~k` (`~` is never part of an environment's name).
 */
function shardWorld(name: string, shards: string | undefined, place: (n: number) => number): string {
  const n = Number(shards ?? 1);
  const shard = Number.isInteger(n) && n > 1 ? place(n) : 0;
  return shard === 0 ? name : `${name}~${shard}`;
}

/**
 * The world of the object `host` that hosts rollouts of environment `name`. A world process uses one core, so one
 * environment's batch would use one core however many the machine has; its hosts spread over FARM_ROLLOUT_SHARDS
 * worlds (the local farm keeps that number for the life of its state folder, so a rollout is always found where it
 * was made).
 */
export function rolloutWorld(env: Env, name: string, host: string): string {
  return shardWorld(name, env.FARM_ROLLOUT_SHARDS, (n) => hostPlace(host, n));
}

/**
 * The world that hosts an instance of environment `name`: one of FARM_INSTANCE_SHARDS worlds, by the instance's id
 * (kept for the life of the state folder, as rollouts' are). A world blocks on its disk while it commits, so
 * creates from many clients go faster over more of them.
 */
export function instanceWorld(env: Env, name: string, instanceId: string): string {
  return shardWorld(name, env.FARM_INSTANCE_SHARDS, (n) => fnv1a(instanceId) % n);
}

/** The object `host` that hosts rollouts of environment `name` (batch/hosts.ts), in its world. */
export async function rolloutStub(env: Env, name: string, host: string) {
  if (!hasWorlds(env)) return env.ROLLOUT.getByName(host);
  const slot = await slotOf(env, rolloutWorld(env, name, host));
  return resentWhileStarting(plainNamespace((env as Env & WorldBindings)[`ROLLOUT_${slot}`]).getByName(host));
}

/** What a call that never reached its world says: the world started a moment ago and has not registered yet. */
const UNREGISTERED = /not found\. Make sure it is running locally|Couldn't find a local dev session/i;

/**
 * A world's stub whose calls are sent again while the world is not registered yet: a rollout shard's world starts on
 * the first rollout sent to it, and such a call never reached it, so sending it again is safe whatever it does.
 */
function resentWhileStarting<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await Reflect.apply(value, target, args);
          } catch (err) {
            const unregistered = err instanceof Error && !decodeFarmError(err) && UNREGISTERED.test(err.message);
            if (!unregistered || attempt === RESENDS) throw err;
            await resendWait(attempt);
          }
        }
      };
    },
  });
}

/** Remembers which environment an instance belongs to, so routes that name only the instance find its world. */
export function rememberInstance(id: string, name: string): void {
  if (instanceEnvs.size >= 50_000) instanceEnvs.clear();
  instanceEnvs.set(id, name);
}

/** The environment of an instance named only by its id, from the farm index's list of live instances. */
export async function instanceEnv(env: Env, id: string): Promise<string> {
  let name = instanceEnvs.get(id);
  if (name === undefined) {
    const found = await farmIndex(env).instanceEnv(id);
    if (found === null)
      throw new FarmError("instance_not_found", 404, "no such instance (never created, deleted, or expired)");
    rememberInstance(id, found);
    name = found;
  }
  return name;
}

/**
 * Tells the local farm which of an environment's objects had their storage deleted, so it removes the empty files
 * local workerd leaves of them without waiting for a restart. Deployed (no worlds) a deleted object leaves nothing.
 */
export async function reportDeleted(env: Env, world: string, ids: readonly string[]): Promise<void> {
  if (!hasWorlds(env) || ids.length === 0) return;
  await ask(env, "/deleted", { slot: await slotOf(env, world), ids });
}

/** Whether an error is a world brought down by the call (the limit it ran into is its code). */
export function isWorldLimit(err: FarmError): boolean {
  return CAUSES.has(err.code);
}

function isLost(err: unknown): boolean {
  return !decodeFarmError(err) && err instanceof Error && LOST.test(err.message);
}

/**
 * Runs one call into an environment's world. When the world's process went away during the call, the error names
 * why (the supervisor stopped it for a runaway, or it ran out of memory); a call that only met the world down, and
 * so never reached it, is sent again once the world is back.
 */
export async function inWorld<T>(env: Env, name: string, call: () => Promise<T>): Promise<T> {
  if (!hasWorlds(env)) return call();
  const slot = await slotOf(env, name);
  for (let attempt = 0; ; attempt++) {
    const started = Date.now();
    try {
      return await call();
    } catch (err) {
      if (!isLost(err) || attempt === RESENDS) throw err;
      const why = await ask<{ retry: true } | { retry: false; code: string; message: string }>(
        env,
        `/lost?slot=${slot}&since=${started}`,
      );
      if (!why.retry) throw new FarmError(CAUSES.has(why.code) ? why.code : "world_crashed", 422, why.message);
      await resendWait(attempt);
    }
  }
}
