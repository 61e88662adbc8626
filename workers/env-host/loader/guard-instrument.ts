import { parse, type AnyNode, type Program } from "acorn";
import MagicString from "magic-string";

export const GUARD = "__wfGuard";
/** Names the farm's wrapper introduces: code that mentions one is refused, so it can neither shadow nor reach them. */
export const RESERVED_PREFIX = "__wf";

/**
 * Makes every loop iteration and function call of `program` call `__wfGuard()`, so a runaway loop or recursion
 * throws instead of freezing workerd. Edits go into `out`, the MagicString over the program's source; `check` sees
 * every node on the way, to refuse what the caller cannot allow.
 */
export function instrumentProgram(program: Program, out: MagicString, check: (node: AnyNode) => void = () => {}): void {
  // Children are handled before their parents, so where an inner and an outer wrapper end at the same position
  // the inner closer is appended first: "x => (__wfGuard(), y) }".
  const wrap = (body: AnyNode, opener: string, closer: string) => {
    out.prependRight(body.start, opener);
    out.appendLeft(body.end, closer);
  };
  const guardStart = (block: AnyNode) => out.prependRight(block.start + 1, `${GUARD}();`);

  walk(program, (node) => {
    check(node);
    switch (node.type) {
      case "Identifier":
        if (node.name.startsWith(RESERVED_PREFIX)) {
          throw new Error(
            `guard instrumentation: the module uses the name ${node.name}; names starting ${RESERVED_PREFIX} are the farm's (instrumented twice?)`,
          );
        }
        break;
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
      case "WhileStatement":
      case "DoWhileStatement":
        if (node.body.type === "BlockStatement") guardStart(node.body);
        else wrap(node.body, `{ ${GUARD}(); `, " }");
        break;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        if (node.body.type === "BlockStatement") guardStart(node.body);
        else wrap(node.body, `(${GUARD}(), `, ")");
        break;
    }
  });
}

/** `source` with every loop iteration and function call counted by a `__wfGuard` that the caller puts in scope. */
export function instrumentGuards(source: string): string {
  const out = new MagicString(source);
  instrumentProgram(parseModule(source), out);
  return out.toString();
}

export function parseModule(source: string): Program {
  try {
    return parse(source, { ecmaVersion: "latest", sourceType: "module" });
  } catch (err) {
    const loc = (err as { loc?: { line: number; column: number } }).loc;
    if (!loc) throw err;
    const reason = (err as Error).message.replace(/ \(\d+:\d+\)$/, "");
    throw new Error(`guard instrumentation: cannot parse module at ${loc.line}:${loc.column + 1}: ${reason}`, {
      cause: err,
    });
  }
}

/** Post-order walk over every child node, found generically so no node type is missed. */
export function walk(node: AnyNode, visit: (node: AnyNode) => void): void {
  for (const [key, value] of Object.entries(node)) {
    if (key === "type") continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      if (isNode(child)) walk(child, visit);
    }
  }
  visit(node);
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}
