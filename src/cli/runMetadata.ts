import path from "node:path";
import type { BaseCheckpointSaver, CheckpointMetadata } from "@langchain/langgraph";

/** What the CLI keeps with a thread so it can be listed and resumed with the same settings. */
export type RunMetadata = {
  question: string;
  /** The run's --set settings (validated keys; never secrets, which come from the environment only). */
  settings: Record<string, string>;
  started_at: string;
};

const KEY = "fanout";

/**
 * The settings to keep with a run. A relative local_corpus_path (from --set or
 * FANOUT_LOCAL_CORPUS_PATH) is resolved against the folder the command runs in, so a
 * resume from another folder searches the same corpus, not whatever has that name there.
 */
export function settingsToKeep(settings: Record<string, string>, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Record<string, string> {
  const corpus = settings.local_corpus_path ?? env.FANOUT_LOCAL_CORPUS_PATH;
  if (!corpus?.trim()) return settings;
  return { ...settings, local_corpus_path: path.resolve(cwd, corpus) };
}

/**
 * A view of the saver that stamps the run's metadata on every top-level
 * checkpoint, so any later process can read the question and settings back.
 */
export function withRunMetadata(saver: BaseCheckpointSaver, run: RunMetadata): BaseCheckpointSaver {
  const view = Object.create(saver) as BaseCheckpointSaver;
  view.put = (config, checkpoint, metadata, newVersions) => {
    const root = !config.configurable?.checkpoint_ns;
    const stamped = root ? ({ ...metadata, [KEY]: run } as CheckpointMetadata) : metadata;
    return saver.put(config, checkpoint, stamped, newVersions);
  };
  return view;
}

export function readRunMetadata(metadata: CheckpointMetadata | undefined): RunMetadata | undefined {
  const value = (metadata as Record<string, unknown> | undefined)?.[KEY];
  if (!value || typeof value !== "object") return undefined;
  const run = value as Partial<RunMetadata>;
  if (typeof run.question !== "string") return undefined;
  return { question: run.question, settings: run.settings ?? {}, started_at: run.started_at ?? "" };
}
