/** How deep a JSON body may nest. Deeper values overflow the stack of whatever walks them next (zod, RPC's
 * structured clone, JSON.stringify), so they are refused where bodies are parsed. */
export const MAX_JSON_DEPTH = 128;

/** Whether `value` nests arrays and objects deeper than `limit`; walked with a stack of its own, never recursion. */
export function nestsDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== "object" || item === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
