export { Farm, type BatchSummary, type FarmOptions, type StreamOptions } from "./client.ts";
export { grpoAdvantages, type AdvantageConvention, type AdvantageOptions } from "./advantages.ts";
export { toTrl, toVerl, trajectoryRow, type LeftOut, type TrlRollouts, type VerlOutput } from "./adapters.ts";
export { FarmError, ProtocolError, TransportError, WorldfarmError } from "./errors.ts";
export type { Group, Sample, StreamLine, Trajectory } from "../../workers/shared/group.ts";
export type { BatchCreated, BatchSpec, BatchStatus } from "../../workers/shared/batch.ts";
