import { readFileSync } from "node:fs";
import { z } from "zod";

/** Something a good answer covers, found by any of its keywords (case-insensitive). */
export const AspectSchema = z.object({ aspect: z.string().min(1), keywords: z.array(z.string().min(1)).min(1) });
export type Aspect = z.infer<typeof AspectSchema>;

/**
 * One line of a dataset. Fanout's own have `question` and `aspects`; a
 * DeepResearch Bench task file has `id` and `prompt` (and `topic`, `language`).
 */
const LineSchema = z.object({
  id: z.union([z.string().min(1), z.number()]),
  question: z.string().min(1).optional(),
  prompt: z.string().min(1).optional(),
  aspects: z.array(AspectSchema).default([]),
});

export type EvalItem = { id: string; question: string; aspects: Aspect[] };

/** The items of JSONL files, in order; a bad line is an error naming the file and line. */
export function loadDataset(files: string[]): EvalItem[] {
  const items: EvalItem[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, index) => {
        if (!line.trim()) return;
        const where = `${file}:${index + 1}`;
        let parsed: z.infer<typeof LineSchema>;
        try {
          parsed = LineSchema.parse(JSON.parse(line));
        } catch (error) {
          throw new Error(`${where}: not a dataset line (${error instanceof SyntaxError ? "not JSON" : "needs id and question or prompt"})`);
        }
        const question = parsed.question ?? parsed.prompt;
        if (!question) throw new Error(`${where}: needs a question (or prompt)`);
        const id = String(parsed.id);
        if (ids.has(id)) throw new Error(`${where}: id ${id} is used twice`);
        ids.add(id);
        items.push({ id, question, aspects: parsed.aspects });
      });
  }
  return items;
}
