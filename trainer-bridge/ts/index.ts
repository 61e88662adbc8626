export { Farm, type EnvDetail, type FarmOptions, type RequestOptions, type StreamOptions } from "./client.ts";
export type { ToolOutcome } from "../../workers/shared/tool-call.ts";
export { grpoAdvantages, type AdvantageConvention, type AdvantageOptions } from "./advantages.ts";
export { toTrl, toVerl, trajectoryRow, type LeftOut, type TrlRollouts, type VerlOutput } from "./adapters.ts";
export { FarmError, ProtocolError, TransportError } from "./errors.ts";
export type { StreamRecord } from "./ndjson.ts";
export type { Group, Sample, StreamLine, Trajectory } from "../../workers/shared/group.ts";
export type { BatchCreated, BatchListing, BatchSpec, BatchStatus } from "../../workers/shared/batch.ts";
export type { BatchSummary, Run, RunList } from "../../workers/shared/run.ts";
