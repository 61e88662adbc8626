/** One rollout's keys among those of the object that hosts it: each read and written under the rollout's prefix. */
export interface ScopedKv {
  get<T>(key: string): T | undefined;
  put<T>(key: string, value: T): void;
  delete(key: string): boolean;
  /** Every key under the prefix, as the host's storage names it. */
  keys(): string[];
}

export function scopedKv(kv: SyncKvStorage, prefix: string): ScopedKv {
  return {
    get: (key) => kv.get(prefix + key),
    put: (key, value) => kv.put(prefix + key, value),
    delete: (key) => kv.delete(prefix + key),
    keys: () => Array.from(kv.list({ prefix }), ([key]) => key),
  };
}
