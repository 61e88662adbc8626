import { join } from "node:path";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "../cli/farm/local-farm.ts";

/**
 * The two layouts the per-call benchmarks compare, side by side under `dir`: environment code in the control
 * process (uncontained, as before worlds existed) and contained in world processes.
 */
export async function startLayouts(dir: string): Promise<[inProcess: LocalFarm, contained: LocalFarm]> {
  return Promise.all([
    startLocalFarm({ port: await freePort(), persistDir: join(dir, "in-process"), worlds: 0 }),
    startLocalFarm({ port: await freePort(), persistDir: join(dir, "contained") }),
  ]);
}
