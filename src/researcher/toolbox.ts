import type { StructuredToolInterface } from "@langchain/core/tools";
import type { Configuration } from "../config.js";
import { createSearchBackend, createSearchTool } from "../search/tool.js";
import { researchCompleteTool } from "../tools/researchComplete.js";
import { thinkTool } from "../tools/think.js";
import { createFetchUrlTool } from "../web/fetchTool.js";

/** The tools a researcher gets: search (per search_api), fetch_url (unless turned off), think_tool, ResearchComplete, and any extras. */
export type Toolbox = { toolsFor(configuration: Configuration): StructuredToolInterface[] };

/**
 * Extra tools (MCP tools, or a test's own tools) are passed in when the graph
 * is built; the search tool follows the run's configuration.
 */
export function createToolbox(extraTools: StructuredToolInterface[] = []): Toolbox {
  return {
    toolsFor(configuration) {
      const backend = createSearchBackend(configuration);
      const search = backend ? [createSearchTool(backend, configuration)] : [];
      const fetchUrl = configuration.fetch_url_enabled ? [createFetchUrlTool(configuration)] : [];
      return [...search, ...fetchUrl, thinkTool, researchCompleteTool, ...extraTools];
    },
  };
}
