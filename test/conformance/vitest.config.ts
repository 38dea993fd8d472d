import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * `npm run test:conformance`: LangGraph's checkpointer conformance suite
 * (@langchain/langgraph-checkpoint-validation), run by Vitest as it is written for, against the
 * stores the app opens. The suite uses Vitest's globals.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/conformance/*.test.ts"],
    globals: true,
    // Both files open real stores; one at a time keeps a shared 2-core machine responsive.
    fileParallelism: false,
  },
});
