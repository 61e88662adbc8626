/**
 * Drops one expected process warning, leaving every other one to Node's own printing. For warnings about a
 * dependency the project chose knowingly, which a user can do nothing about.
 */
export function ignoreWarning(type: string, pattern: RegExp): void {
  const emit = process.emitWarning.bind(process) as (warning: string | Error, ...rest: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const kind =
      typeof options === "string"
        ? options
        : ((options as { type?: string } | undefined)?.type ?? (warning instanceof Error ? warning.name : "Warning"));
    if (kind === type && pattern.test(typeof warning === "string" ? warning : warning.message)) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
