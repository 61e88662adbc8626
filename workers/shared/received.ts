/**
 * An object an RPC call returned, made plain so it can be returned again. workerd gives each such object a
 * disposer; returned from another RPC method as it is, that disposer tells the next caller to hold the first call
 * open until it disposes the result, which nothing here does, and workerd warns when the result is collected
 * ("An RPC result was not disposed properly"). Our results carry no stubs, so releasing the call at once loses
 * nothing.
 */
/** Symbol.dispose: workerd has it; the es2024 library these files compile against does not name it. */
const DISPOSE = (Symbol as unknown as { dispose: symbol }).dispose;

export async function received<T>(call: Promise<T>): Promise<T> {
  const value = await call;
  if (value === null || typeof value !== "object") return value;
  const dispose = (value as Record<symbol, unknown>)[DISPOSE];
  if (typeof dispose !== "function") return value;
  dispose.call(value);
  return (Array.isArray(value) ? [...value] : { ...value }) as T;
}
