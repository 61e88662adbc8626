import { decodeFarmError } from "../shared/errors.ts";

/** Durable Object RPC hands errors back as plain Errors; this restores the FarmError they carry. */
export async function rpc<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw decodeFarmError(err) ?? err;
  }
}
