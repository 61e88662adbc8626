import { readFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import { parse, type ImportDeclaration, type ImportSpecifier } from "acorn";
import * as esbuild from "esbuild";
import MagicString from "magic-string";

const SDK_SPECIFIER = "worldfarm/sdk";
const LOADERS: Record<string, esbuild.Loader> = { ".ts": "ts", ".mts": "ts", ".js": "js", ".mjs": "js" };

/**
 * `import { z as x } from "worldfarm/sdk"` in `code` (JavaScript) as `import * as x from "zod"`, the SDK's other
 * names left where they were; undefined when the code takes no `z` from the SDK.
 */
export function zodFromSdk(code: string): string | undefined {
  const program = parse(code, { ecmaVersion: "latest", sourceType: "module" });
  const out = new MagicString(code);
  for (const node of program.body) {
    if (node.type !== "ImportDeclaration" || node.source.value !== SDK_SPECIFIER) continue;
    const declaration = node as ImportDeclaration;
    const named = declaration.specifiers.filter((s): s is ImportSpecifier => s.type === "ImportSpecifier");
    const isZ = (s: ImportSpecifier) => (s.imported.type === "Identifier" ? s.imported.name : s.imported.value) === "z";
    const zod = named.filter(isZ);
    if (zod.length === 0) continue;
    const namespaces = zod.map((s) => `import * as ${s.local.name} from "zod";`).join(" ");
    // What else the declaration took stays taken: its default import, if any, and its other names as written.
    const names = named.filter((s) => !isZ(s)).map((s) => code.slice(s.start, s.end));
    const others = [
      ...declaration.specifiers.filter((s) => s.type === "ImportDefaultSpecifier").map((s) => s.local.name),
      ...(names.length > 0 ? [`{ ${names.join(", ")} }`] : []),
    ];
    const rest = others.length === 0 ? "" : ` import ${others.join(", ")} from ${JSON.stringify(SDK_SPECIFIER)};`;
    out.overwrite(declaration.start, declaration.end, namespaces + rest);
  }
  return out.hasChanged() ? out.toString() : undefined;
}

/**
 * Lets esbuild drop the parts of zod an environment does not use. The SDK hands environments zod's `z`, and a
 * namespace that reaches a module through a re-export is kept whole (582 KB of a 711 KB bundle), while one imported
 * from zod itself in the module that uses it keeps only what its `z.` accesses reach: so each environment file's
 * `z` import from the SDK is made an import from zod, and every `zod` import of the build is the farm's own zod,
 * wherever the environment folder is. A world evaluates its bundle for every rollout: shop's went from 711 to 268
 * KB and from ~5.2 to ~4.4 ms a world (bench/BATCH-RESULTS.md, seventh sitting).
 */
export function zodNamespace(farmDir: string): esbuild.Plugin {
  return {
    name: "worldfarm-zod-namespace",
    setup(build) {
      build.onResolve({ filter: /^zod$/ }, (args) => {
        if (args.pluginData === "farm-zod") return undefined;
        return build.resolve("zod", { kind: args.kind, resolveDir: farmDir, pluginData: "farm-zod" });
      });
      build.onLoad({ filter: /\.(m?[jt]s)$/ }, async (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        const source = await readFile(args.path, "utf8");
        if (!source.includes(SDK_SPECIFIER)) return undefined;
        const loader = LOADERS[extname(args.path)]!;
        const { code } = await esbuild.transform(source, { loader, format: "esm", sourcefile: args.path });
        const rewritten = zodFromSdk(code);
        return rewritten === undefined
          ? undefined
          : { contents: rewritten, loader: "js", resolveDir: dirname(args.path) };
      });
    },
  };
}
