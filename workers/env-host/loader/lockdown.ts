/**
 * Built-in objects every world of a bundle's isolate shares: what one world stashes on `Array.prototype` or puts in
 * place of `JSON.parse`, every other world would read or run. The farm freezes them all once per isolate, before
 * any environment code runs (the loader runtime's top level, see cli/build/loader-runtime.ts).
 */
export function lockdown(): void {
  // workerd mirrors a Worker's env into process.env, an object that refuses to be frozen: shared by every world, it
  // would carry data between them. The farm's runtime reads its env from the entrypoint; environment code gets none.
  Reflect.deleteProperty(globalThis, "process");
  tameDateConstructor();
  const overridable = new Set<object>([Object.prototype, Function.prototype, ...ERRORS.map((e) => e.prototype)]);
  const seen = new Set<object>();
  const pending: object[] = [...hiddenIntrinsics()];
  for (const name of Reflect.ownKeys(globalThis)) {
    const d = Reflect.getOwnPropertyDescriptor(globalThis, name)!;
    pending.push(...valuesOf(d));
  }
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next) || next === globalThis) continue;
    seen.add(next);
    const proto = Reflect.getPrototypeOf(next);
    if (proto) pending.push(proto);
    for (const key of Reflect.ownKeys(next)) {
      const d = Reflect.getOwnPropertyDescriptor(next, key)!;
      pending.push(...valuesOf(d));
      if (OVERRIDABLE.has(key) && overridable.has(next)) enableOverride(next, key, d);
    }
    Object.freeze(next);
  }
  // A bare `JSON = ...` in module code assigns to the isolate's global, which every world's free names resolve to.
  Object.freeze(globalThis);
}

/**
 * Names ordinary code assigns on its own objects (`this.name = "MyError"`, `obj.toString = f`,
 * `Legacy.prototype.constructor = Legacy`): with the prototype that holds them frozen, such an assignment would
 * throw in strict code (the "override mistake"). On Object.prototype, Function.prototype and the errors' prototypes
 * each becomes an accessor whose setter defines the property on the object assigned to instead. Only there: V8
 * keeps its fast paths for arrays and promises only while `Array.prototype.constructor`, `Promise.prototype.then`
 * and the like are untouched data properties (a run with accessors there too measured tool calls ~20 % slower, on a loaded machine: bench/GUARDS-RESULTS.md).
 */
const OVERRIDABLE = new Set<PropertyKey>([
  "constructor",
  "name",
  "message",
  "stack",
  "toString",
  "toLocaleString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
]);
const ERRORS = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError];

function enableOverride(holder: object, key: PropertyKey, d: PropertyDescriptor): void {
  if (!("value" in d) || !d.writable || !d.configurable) return;
  const value: unknown = d.value;
  Object.defineProperty(holder, key, {
    get: () => value,
    set: function (this: unknown, next: unknown) {
      if (this === holder)
        throw new TypeError(`Cannot assign to read only property '${String(key)}' of a built-in object`);
      if (typeof this !== "object" && typeof this !== "function") return;
      Object.defineProperty(this, key, { value: next, writable: true, enumerable: true, configurable: true });
    },
    enumerable: d.enumerable,
    configurable: false,
  });
}

function valuesOf(d: PropertyDescriptor): object[] {
  return [d.value, d.get, d.set].filter(
    (v): v is object => (typeof v === "object" && v !== null) || typeof v === "function",
  );
}

/** Intrinsics no global names: iterator and generator prototypes, reached from instances. */
function hiddenIntrinsics(): object[] {
  const generator = function* () {};
  const asyncGenerator = async function* () {};
  return [
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map()[Symbol.iterator]()),
    Object.getPrototypeOf(new Set()[Symbol.iterator]()),
    Object.getPrototypeOf(""[Symbol.iterator]()),
    Object.getPrototypeOf("".matchAll(/x/g)),
    Object.getPrototypeOf(generator),
    Object.getPrototypeOf(generator()),
    Object.getPrototypeOf(asyncGenerator),
    Object.getPrototypeOf(asyncGenerator()),
    Object.getPrototypeOf(async () => {}),
    Object.getPrototypeOf(Uint8Array),
  ];
}

/**
 * `Date.prototype` is shared with each world's own `Date` (so the farm's dates pass `instanceof Date` there), and its
 * `constructor` would hand environment code the real clock. It becomes a `Date` that builds dates from arguments
 * (libraries copy a date with `new d.constructor(d)`) and refuses to read the real time.
 */
function tameDateConstructor(): void {
  const Real = Date;
  const refuse = () => {
    throw new Error(
      "the real clock is not available in environment code: use `Date` (the world's step clock) or the tool's `clock`",
    );
  };
  function SharedDate(...args: unknown[]) {
    if (!new.target || args.length === 0) refuse();
    return Reflect.construct(Real, args, new.target === SharedDate ? Real : new.target) as Date;
  }
  Object.defineProperties(SharedDate, {
    now: { value: refuse },
    parse: { value: Real.parse },
    UTC: { value: Real.UTC },
    prototype: { value: Real.prototype },
  });
  Object.defineProperty(Real.prototype, "constructor", {
    value: SharedDate,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
