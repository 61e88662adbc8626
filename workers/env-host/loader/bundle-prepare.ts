import type { AnyNode } from "acorn";
import MagicString from "magic-string";
import { GUARD, instrumentProgram, parseModule } from "./guard-instrument.ts";

/** First line of every module the farm prepared, so a bundle stored before the farm prepared them is told apart. */
export const PREPARED_MARK = "// worldfarm: prepared bundle v2\n";
/** v1 gave a world its own `globalThis`, `self`, `Date` and `Math` only; its header is ours, so it is upgraded in place. */
const PREPARED_V1_MARK = "// worldfarm: prepared bundle v1\n";
const V1_SCOPE_LINE = "const { globalThis, self, Date, Math } = __wfScope;\n";
const SCOPE = "__wfScope";
const DEFAULT = "__wfDefault";
/**
 * Globals each world gets its own of: a world's writes to them stay its own, its clock and random are its world's,
 * and what would read the real time or randomness is its world's or refused (loader/world-globals.ts).
 */
export const WORLD_GLOBALS = [
  "globalThis",
  "self",
  "Date",
  "Math",
  "crypto",
  "performance",
  "setTimeout",
  "setInterval",
  "clearTimeout",
  "clearInterval",
  "scheduler",
] as const;
const SCOPE_LINE = `const { ${WORLD_GLOBALS.join(", ")} } = ${SCOPE};\n`;

export class BundleShapeError extends Error {
  override name = "BundleShapeError";
}

/**
 * What the farm loads instead of the uploaded module: the same code with every loop iteration and function call
 * guarded, wrapped in a factory the farm calls once per world. Each call is a fresh module scope, and inside it
 * `globalThis`, `self`, `Date` and `Math` name that world's objects; the guard it counts against is passed in
 * where environment code can call it but never re-arm it. A bundle is one self-contained ES module: it imports
 * nothing (its dependencies are bundled in) and its default export is what `bundleExports` in the SDK returns.
 */
export function prepareBundle(source: string): string {
  if (source.startsWith("#!")) source = source.slice(source.indexOf("\n") + 1);
  const program = parseModule(source);
  const out = new MagicString(source);
  const exported: [string, string][] = [];
  for (const statement of program.body) {
    switch (statement.type) {
      case "ImportDeclaration":
        throw new BundleShapeError(
          `the bundle imports "${String(statement.source.value)}": a bundle must be one self-contained module (rebuild it with \`worldfarm build\`)`,
        );
      case "ExportAllDeclaration":
        throw new BundleShapeError("the bundle re-exports another module: a bundle must be one self-contained module");
      case "ExportDefaultDeclaration":
        out.overwrite(statement.start, statement.declaration.start, `const ${DEFAULT} = `);
        out.appendLeft(statement.end, ";");
        exported.push(["default", DEFAULT]);
        break;
      case "ExportNamedDeclaration":
        if (statement.source)
          throw new BundleShapeError(
            "the bundle re-exports another module: a bundle must be one self-contained module",
          );
        if (statement.declaration) {
          out.remove(statement.start, statement.declaration.start);
          for (const name of declaredNames(statement.declaration)) exported.push([name, name]);
        } else {
          out.remove(statement.start, statement.end);
          for (const s of statement.specifiers) exported.push([nameOf(s.exported), nameOf(s.local)]);
        }
        break;
    }
  }
  instrumentProgram(program, out, (node) => {
    if (node.type === "ImportExpression")
      throw new BundleShapeError("the bundle uses import(): environment code cannot load code");
    if (node.type === "MetaProperty" && node.meta.name === "import")
      throw new BundleShapeError("the bundle uses import.meta");
  });
  const returned = exported.map(([name, local]) => `${JSON.stringify(name)}: ${local}`).join(", ");
  // The inner function is a plain function called with no arguments: `arguments` inside it names nothing of ours.
  out.prepend(
    `${PREPARED_MARK}export default function (${GUARD}, ${SCOPE}) {\n` + SCOPE_LINE + `return (function () {\n`,
  );
  out.append(`\n;return { ${returned} };\n}).call(undefined);\n}\n`);
  return out.toString();
}

/** A module prepared by an older farm, brought to this one's header; undefined if it is not one the farm prepared. */
export function upgradePrepared(stored: string): string | undefined {
  if (stored.startsWith(PREPARED_MARK)) return stored;
  if (!stored.startsWith(PREPARED_V1_MARK)) return undefined;
  const header = `${PREPARED_V1_MARK}export default function (${GUARD}, ${SCOPE}) {\n`;
  if (!stored.startsWith(header + V1_SCOPE_LINE)) return undefined;
  return `${PREPARED_MARK}export default function (${GUARD}, ${SCOPE}) {\n${SCOPE_LINE}${stored.slice(header.length + V1_SCOPE_LINE.length)}`;
}

function nameOf(node: AnyNode): string {
  if (node.type === "Identifier") return node.name;
  if (node.type === "Literal") return String(node.value);
  throw new BundleShapeError(`unexpected export name node ${node.type}`);
}

function declaredNames(declaration: AnyNode): string[] {
  if (declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration")
    return [declaration.id!.name];
  if (declaration.type === "VariableDeclaration") {
    return declaration.declarations.map((d) => {
      if (d.id.type !== "Identifier")
        throw new BundleShapeError("the bundle exports a destructuring declaration: export plain names");
      return d.id.name;
    });
  }
  throw new BundleShapeError(`unexpected export of ${declaration.type}`);
}
