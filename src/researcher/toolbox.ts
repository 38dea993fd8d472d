import type { StructuredToolInterface } from "@langchain/core/tools";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Configuration } from "../config.js";
import { loadMcpTools, type McpToolset } from "../mcp/tools.js";
import { emitProgress } from "../progress.js";
import { createSearchBackend, createSearchTool } from "../search/tool.js";
import { researchCompleteTool } from "../tools/researchComplete.js";
import { thinkTool } from "../tools/think.js";
import { createFetchUrlTool } from "../web/fetchTool.js";

/**
 * The tools a researcher gets: search (per search_api), fetch_url (unless
 * turned off), think_tool, ResearchComplete, the tools of the mcp_servers,
 * and any extras.
 */
export type Toolbox = { toolsFor(configuration: Configuration, config?: LangGraphRunnableConfig): Promise<StructuredToolInterface[]> };

/** Toolsets whose warnings were already said, so each is said once, not every turn. */
const warned = new WeakSet<McpToolset>();

/**
 * Extra tools (a test's own) are passed in when the graph is built; the
 * search tool and the MCP tools follow the run's configuration.
 */
export function createToolbox(extraTools: StructuredToolInterface[] = []): Toolbox {
  return {
    async toolsFor(configuration, config) {
      const backend = createSearchBackend(configuration);
      const search = backend ? [createSearchTool(backend, configuration)] : [];
      const fetchUrl = configuration.fetch_url_enabled ? [createFetchUrlTool(configuration)] : [];
      const own = [...search, ...fetchUrl, thinkTool, researchCompleteTool, ...extraTools];
      const mcp = await loadMcpTools(
        configuration.mcp_servers,
        own.map((tool) => tool.name),
        configuration.tool_timeout_seconds * 1000,
      );
      if (config && !warned.has(mcp)) {
        warned.add(mcp);
        for (const warning of mcp.warnings) emitProgress(config, { type: "step_degraded", step: "researcher", detail: warning });
      }
      return [...own, ...mcp.tools];
    },
  };
}
