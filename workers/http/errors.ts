import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { FarmError, decodeFarmError } from "../shared/errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../shared/json-depth.ts";

/** The single place any error becomes `{error:{code,message}}`. */
export function errorResponse(err: unknown, c: Context): Response {
  const farm = toFarmError(err);
  if (farm.status >= 500) console.error(err);
  return c.json(farm.toJSON(), farm.status);
}

function toFarmError(err: unknown): FarmError {
  const farm = decodeFarmError(err);
  if (farm) return farm;
  if (err instanceof z.ZodError) return new FarmError("invalid_request", 400, z.prettifyError(err));
  if (err instanceof HTTPException) {
    const code = err.status === 413 ? "payload_too_large" : "bad_request";
    return new FarmError(code, err.status as 400, err.message || code);
  }
  return new FarmError("internal", 500, err instanceof Error ? err.message : String(err));
}

export async function parseJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  const text = await c.req.text();
  try {
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new FarmError("invalid_json", 400, "the request body is not valid JSON");
  }
  if (nestsDeeperThan(body))
    throw new FarmError("invalid_json", 400, `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new FarmError("invalid_request", 400, z.prettifyError(parsed.error));
  return parsed.data;
}
