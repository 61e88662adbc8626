import type { ReadDb } from "../../../workers/env-host/sdk/index.ts";

/** Where the world's clock starts; the verifiers judge coupon validity on this day. */
export const EPOCH = "2026-01-15T09:00:00.000Z";
export const EPOCH_DAY = EPOCH.slice(0, 10);
