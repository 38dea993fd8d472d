import { test } from "node:test";
import type { CheckpointerTestInitializer } from "./initializer.js";
import { installVitestGlobals } from "./vitest-globals.js";

/** The suite's entry points we call; typed here so nothing needs the package at compile time. */
interface Suite {
  specTest(initializer: CheckpointerTestInitializer, filters?: string[]): void;
  deltaChannelHistoryTests?(initializer: CheckpointerTestInitializer): void;
}

const PACKAGE = "@langchain/langgraph-checkpoint-validation";

/**
 * Registers the upstream conformance suite for one initializer as node:test tests.
 * CONFORMANCE_ONLY=getTuple,list,put,putWrites,deleteThread,deltaChannelHistory narrows it;
 * CHECKPOINT_VALIDATION_MODULE points at another build of the suite (a path or package name).
 */
export async function registerConformance(initializer: CheckpointerTestInitializer, skip?: string): Promise<void> {
  if (skip) {
    test(`${initializer.checkpointerName} conformance`, { skip }, () => {});
    return;
  }
  const suite = await loadSuite();
  if (!suite) {
    test(`${initializer.checkpointerName} conformance`, { skip: `${PACKAGE} not installed` }, () => {});
    return;
  }
  installVitestGlobals();
  const only = (process.env.CONFORMANCE_ONLY ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const specFilters = only.filter((name) => name !== "deltaChannelHistory");
  if (only.length === 0 || specFilters.length > 0) suite.specTest(initializer, specFilters.length > 0 ? specFilters : undefined);
  // Not part of the default spec upstream, but it checks getDeltaChannelHistory, which DeltaChannel state relies on.
  if (only.includes("deltaChannelHistory")) suite.deltaChannelHistoryTests?.(initializer);
}

async function loadSuite(): Promise<Suite | undefined> {
  const specifier = process.env.CHECKPOINT_VALIDATION_MODULE || PACKAGE;
  try {
    return (await import(specifier)) as Suite;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(`'${specifier}'`)) return undefined;
    throw error;
  }
}
