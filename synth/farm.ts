import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateOnFarm } from "../cli/commands/validate.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm } from "../cli/farm/local-farm.ts";
import type { ValidationReport } from "../workers/shared/validation.ts";
import { createLimit } from "./llm/limit.ts";

export interface FarmOptions {
  /** A running farm to validate on; without one a throwaway local farm starts on first use. */
  url?: string;
  token?: string;
  /** Validations at once: each already runs four tasks in parallel inside the farm. */
  concurrency?: number;
}

/** The farm every stage that loads code shares, started once, on demand. */
export function sharedFarm({ url, token, concurrency = 2 }: FarmOptions = {}) {
  let client: Promise<Farm> | undefined;
  let stop: (() => Promise<void>) | undefined;
  const limit = createLimit(concurrency);
  const start = async () => {
    if (url) return new Farm(url, { token });
    const persistDir = await mkdtemp(join(tmpdir(), "worldfarm-synth-"));
    const farm = await startLocalFarm({ port: await freePort(), persistDir });
    stop = async () => {
      await farm.dispose();
      await rm(persistDir, { recursive: true, force: true });
    };
    return new Farm(farm.url.toString(), { token: farm.token });
  };
  return {
    /** The same path as `worldfarm envs validate`: build, upload, POST /v1/envs/:name/validate. */
    async validate(dir: string): Promise<ValidationReport> {
      client ??= start();
      const farm = await client;
      return limit(() => validateOnFarm(farm, dir));
    },
    async dispose(): Promise<void> {
      await stop?.();
    },
  };
}
export type SharedFarm = ReturnType<typeof sharedFarm>;
