import { parse, type AnyNode, type Program } from "acorn";
import MagicString from "magic-string";

const GUARD = "__wfGuard";

/**
 * Makes every loop iteration and function call in an ES module call `__wfGuard()` from
 * `guardModule`, so a runaway loop or recursion throws instead of freezing workerd.
 */
export function instrumentGuards(source: string, guardModule: string): string {
  const program = parseModule(source);
  const out = new MagicString(source);

  // Children are handled before their parents, so where an inner and an outer wrapper end at
  // the same position the inner closer is appended first: "x => (__wfGuard(), y) }".
  const wrap = (body: AnyNode, opener: string, closer: string) => {
    out.prependRight(body.start, opener);
    out.appendLeft(body.end, closer);
  };
  const guardStart = (block: AnyNode) => out.prependRight(block.start + 1, `${GUARD}();`);

  walk(program, (node) => {
    switch (node.type) {
      case "Identifier":
        if (node.name === GUARD) {
          throw new Error(`guard instrumentation: the module already uses the name ${GUARD} (instrumented twice?)`);
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

  const importLine = `import { ${GUARD} } from ${JSON.stringify(guardModule)};`;
  const at = importPosition(source, program);
  if (at === 0) out.prepend(importLine + "\n");
  else out.appendLeft(at, "\n" + importLine);
  return out.toString();
}

function parseModule(source: string): Program {
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

/** After the hashbang and directive prologue, which must stay first. */
function importPosition(source: string, program: Program): number {
  let at = /^#!.*/.exec(source)?.[0].length ?? 0;
  for (const statement of program.body) {
    if (statement.type !== "ExpressionStatement" || statement.directive === undefined) break;
    at = statement.end;
  }
  return at;
}

/** Post-order walk over every child node, found generically so no node type is missed. */
function walk(node: AnyNode, visit: (node: AnyNode) => void): void {
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
