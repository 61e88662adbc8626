import { plainResults } from "../shared/received.ts";

/** The farm's one index object (reached from world processes too: see plainResults). */
export function farmIndex(env: Env) {
  return plainResults(env.FARM_INDEX.getByName("index"));
}

let secret: Promise<string> | undefined;

export function instanceSecret(env: Env): Promise<string> {
  if (env.FARM_SECRET) return Promise.resolve(env.FARM_SECRET);
  secret ??= farmIndex(env)
    .secret()
    .catch((err: unknown) => {
      secret = undefined;
      throw err;
    });
  return secret;
}
