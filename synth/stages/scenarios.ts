import { readFile } from "node:fs/promises";
import { z } from "zod";
import { files, type SynthContext } from "../context.ts";
import { DEFAULT_THRESHOLD, duplicateOf, type Kept } from "../dedup.ts";
import { Dropped } from "../errors.ts";
import { readJsonl } from "../jsonl.ts";
import { Dialogue } from "../llm/dialogue.ts";
import { createLimit } from "../llm/limit.ts";
import { renderPrompt } from "../prompts/render.ts";
import { ENV_NAME, ScenarioRecord, Seed } from "../records.ts";
import { ScenariosReply, SuitabilityReply } from "../responses.ts";
import { runStage } from "../stage.ts";

/** Seeds from jsonl ({name, description?} a line) or plain text (a name a line). */
export async function readSeeds(file: string): Promise<Seed[]> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new Error(`--seeds ${file}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
  });
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.length) throw new Error(`--seeds ${file}: no seed names in it`);
  return lines.map((line, i) => {
    if (!line.startsWith("{")) return { name: line };
    const parsed = Seed.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${file}:${i + 1}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  });
}

/** An environment name from a product name: "Evernote Notebooks" -> "evernote-notebooks". */
export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  const named = /^[a-z]/.test(s) ? s : `app-${s}`;
  if (!ENV_NAME.test(named)) throw new Error(`cannot make an environment name from "${name}"`);
  return named;
}

/**
 * Seed names -> scenarios: the model proposes, a second call judges each proposal's fit for CRUD tools, and
 * proposals too similar to one already kept (embeddings, or shared words without an embeddings endpoint) are
 * dropped. Every proposal gets a record, kept or dropped with its reason.
 */
export async function scenariosStage(ctx: SynthContext) {
  if (!ctx.options.seeds) throw new Error("the scenarios stage needs --seeds <file>");
  const seeds = await readSeeds(ctx.options.seeds);
  const file = files(ctx.work).scenarios;
  const existing = await readJsonl(file, ScenarioRecord);
  const names = new Set(existing.map((r) => r.env));
  const embedText = (r: { title: string; description: string }) => `${r.title}: ${r.description}`;
  const keptRecords = existing.filter((r) => r.status === "ok");
  const keptVectors = await ctx.llm.embed("scenarios", keptRecords.map(embedText));
  const kept: Kept[] = keptRecords.map((r, i) => ({
    env: r.env,
    text: embedText(r),
    ...(keptVectors ? { vector: keptVectors[i]! } : {}),
  }));
  const threshold =
    ctx.options.dedupThreshold ?? (keptVectors ? DEFAULT_THRESHOLD.embedding : DEFAULT_THRESHOLD.lexical);
  // Which proposal wins between near-duplicates must not depend on which model call returned first.
  const serial = createLimit(1);

  return runStage(ctx, {
    stage: "scenarios",
    file,
    items: seeds,
    key: (s) => s.name,
    recordKey: "seed",
    dropped: (s, reasons) => ({
      env: slug(s.name),
      title: s.name,
      description: s.description ?? "",
      seed: s.name,
      status: "dropped",
      reasons,
    }),
    async run(seed) {
      const ask = new Dialogue(
        ctx.llm,
        "scenarios",
        ScenariosReply,
        renderPrompt("scenarios", {
          seed: seed.name,
          seedDescription: seed.description ?? "",
          count: ctx.options.perSeed,
        }),
        ctx.retries + 1,
      );
      const { scenarios } = await ask.reply();
      const judged = await Promise.all(
        scenarios.slice(0, ctx.options.perSeed).map(async (s) => {
          try {
            const verdict = await new Dialogue(
              ctx.llm,
              "scenarios",
              SuitabilityReply,
              renderPrompt("suitability", { title: s.name, description: s.description }),
              ctx.retries + 1,
            ).reply();
            return { ...s, verdict };
          } catch (err) {
            if (err instanceof Dropped) return { ...s, verdict: { suitable: false, reason: err.message } };
            throw err;
          }
        }),
      );
      const vectors = await ctx.llm.embed(
        "scenarios",
        judged.map((s) => embedText({ title: s.name, description: s.description })),
      );
      return serial(async () =>
        judged.map((s, i): ScenarioRecord => {
          let env = slug(s.name);
          for (let n = 2; names.has(env); n++) env = `${slug(s.name).slice(0, 44)}-${n}`;
          names.add(env);
          const base = { env, title: s.name, description: s.description, seed: seed.name };
          if (!s.verdict.suitable) return { ...base, status: "dropped", reasons: [`unsuitable: ${s.verdict.reason}`] };
          const candidate: Kept = { env, text: embedText(base), ...(vectors ? { vector: vectors[i]! } : {}) };
          const dup = duplicateOf(candidate, kept, threshold);
          if (dup)
            return {
              ...base,
              status: "dropped",
              reasons: [`duplicate of ${dup.env} (similarity ${dup.similarity.toFixed(2)})`],
            };
          kept.push(candidate);
          return { ...base, status: "ok", reasons: [] };
        }),
      );
    },
  });
}
