/**
 * An object an RPC call returned, made plain so it can be returned again. workerd gives each such object a
 * disposer; returned from another RPC method as it is, that disposer tells the next caller to hold the first call
 * open until it disposes the result, which nothing here does, and workerd warns when the result is collected
 * ("An RPC result was not disposed properly"). Our results carry no stubs, so releasing the call at once loses
 * nothing. Anything but a plain object or array (a stream, a stub) is handed on as it came.
 */
export async function received<T>(call: Promise<T>): Promise<T> {
  const value = await call;
  if (value === null || typeof value !== "object") return value;
  const plain = Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
  const dispose = (value as Record<symbol, unknown>)[DISPOSE];
  if (!plain || typeof dispose !== "function") return value;
  dispose.call(value);
  return (Array.isArray(value) ? [...value] : { ...value }) as T;
}

/** Symbol.dispose: workerd has it; the es2024 library these files compile against does not name it. */
const DISPOSE = (Symbol as unknown as { dispose: symbol }).dispose;

/**
 * A stub whose every call's result is received(). Locally, an object in another workerd process is reached through
 * Miniflare's dev-registry proxy, a Durable Object that hands on the other process's result as it came: every
 * result crossing processes arrives holding its call open.
 */
export function plainResults<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      // An RPC method is a callable whose own properties (apply, bind) are more RPC methods: call it with Reflect.
      const call = (args: unknown[]) => Reflect.apply(value, target, args);
      if (prop === "fetch") return (...args: unknown[]) => call(args);
      return (...args: unknown[]) => received(Promise.resolve(call(args)));
    },
  });
}

/** The same for every stub a namespace hands out. */
export function plainNamespace<T extends object>(namespace: T): T {
  return new Proxy(namespace, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      if (prop !== "get" && prop !== "getByName") return (...args: unknown[]) => Reflect.apply(value, target, args);
      return (...args: unknown[]) => plainResults(Reflect.apply(value, target, args) as object);
    },
  });
}
