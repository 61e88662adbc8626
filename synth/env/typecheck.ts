import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { ROOT } from "../../cli/paths.ts";

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts"],
  types: [],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  // The folder may be anywhere (synth writes outside the repository): `worldfarm/sdk` is this checkout's SDK.
  paths: { "worldfarm/sdk": [join(ROOT, "workers/env-host/sdk/index.ts")] },
};

/** Parsed files outside the environment (the SDK, zod's types, the lib) are the same every time: parse them once. */
const shared = new Map<string, ts.SourceFile>();

/**
 * Type errors in an environment folder, grouped by file relative to it ("tools/index.ts", "tasks/x.ts"); an empty map
 * means it compiles. Only the environment's own files are reported: the SDK is not the model's to fix.
 */
export function typecheckEnv(dir: string): Map<string, string[]> {
  const root = resolve(dir);
  const host = ts.createCompilerHost(OPTIONS);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError, fresh) => {
    if (fileName.startsWith(root + "/")) return read(fileName, language, onError, fresh);
    let file = shared.get(fileName);
    if (!file) {
      file = read(fileName, language, onError, fresh);
      if (file) shared.set(fileName, file);
    }
    return file;
  };
  const program = ts.createProgram([join(root, "index.ts")], OPTIONS, host);
  const out = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file?.fileName.startsWith(root + "/")) continue;
    const file = relative(root, d.file.fileName);
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const text = `${file}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    out.set(file, [...(out.get(file) ?? []), text]);
  }
  return out;
}
