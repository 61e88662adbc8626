import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname } from "node:path";
import type * as esbuild from "esbuild";
import MagicString from "magic-string";
import type { ImportSpecifier } from "typescript";

/**
 * TypeScript is required when a build first needs it, not imported: a test runner's module loader would transform
 * all of it and go looking for its source map.
 */
const require = createRequire(import.meta.url);
const SDK_SPECIFIER = "worldfarm/sdk";
const LOADERS: Record<string, esbuild.Loader> = { ".ts": "ts", ".mts": "ts", ".js": "js", ".mjs": "js" };

/**
 * `import { z as x } from "worldfarm/sdk"` in `source` (TypeScript or JavaScript) as `import * as x from "zod"`, the
 * SDK's other names left where they were; undefined when the source takes no `z` value from the SDK. Only the
 * import is rewritten: the rest is compiled as written, under the environment's own tsconfig.
 */
export function zodFromSdk(source: string): string | undefined {
  const ts: typeof import("typescript") = require("typescript");
  const file = ts.createSourceFile("module.ts", source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = new MagicString(source);
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (statement.moduleSpecifier.text !== SDK_SPECIFIER) continue;
    const clause = statement.importClause;
    const bindings = clause?.namedBindings;
    if (!clause || clause.isTypeOnly || !bindings || !ts.isNamedImports(bindings)) continue;
    const isZ = (e: ImportSpecifier) => !e.isTypeOnly && (e.propertyName ?? e.name).text === "z";
    const zod = bindings.elements.filter(isZ);
    if (zod.length === 0) continue;
    const namespaces = zod.map((e) => `import * as ${e.name.text} from "zod";`).join(" ");
    // What else the declaration took stays taken: its default import, if any, and its other names as written.
    const names = bindings.elements.filter((e) => !isZ(e)).map((e) => e.getText(file));
    const others = [
      ...(clause.name ? [clause.name.text] : []),
      ...(names.length > 0 ? [`{ ${names.join(", ")} }`] : []),
    ];
    const rest = others.length === 0 ? "" : ` import ${others.join(", ")} from ${JSON.stringify(SDK_SPECIFIER)};`;
    out.overwrite(statement.getStart(file), statement.end, namespaces + rest);
  }
  return out.hasChanged() ? out.toString() : undefined;
}

/**
 * Lets esbuild drop the parts of zod an environment does not use. The SDK hands environments zod's `z`, and a
 * namespace that reaches a module through a re-export is kept whole (582 KB of a 711 KB bundle), while one imported
 * from zod itself in the module that uses it keeps only what its `z.` accesses reach: so each environment file's
 * `z` import from the SDK is made an import from zod, and every `zod` import of the build is the farm's own zod,
 * wherever the environment folder is. A world evaluates its bundle for every rollout: shop's went from 711 to 268
 * KB and its evaluation ~10 % shorter (bench/BATCH-RESULTS.md, seventh sitting).
 */
export function zodNamespace(farmDir: string): esbuild.Plugin {
  return {
    name: "worldfarm-zod-namespace",
    setup(build) {
      build.onResolve({ filter: /^zod$/ }, (args) => {
        if (args.pluginData === "farm-zod") return undefined;
        return build.resolve("zod", { kind: args.kind, resolveDir: farmDir, pluginData: "farm-zod" });
      });
      build.onLoad({ filter: /\.m?[jt]s$/ }, async (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        const source = await readFile(args.path, "utf8");
        if (!source.includes(SDK_SPECIFIER)) return undefined;
        const rewritten = zodFromSdk(source);
        if (rewritten === undefined) return undefined;
        return { contents: rewritten, loader: LOADERS[extname(args.path)]!, resolveDir: dirname(args.path) };
      });
    },
  };
}
