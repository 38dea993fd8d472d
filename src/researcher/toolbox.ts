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

/** The threads each toolset's warnings were said to: once per run's thread, not every turn. */
const warned = new WeakMap<McpToolset, Set<string>>();

/** True the first time a thread asks for this toolset. */
function firstAskIn(mcp: McpToolset, config: LangGraphRunnableConfig): boolean {
  const thread = String(config.configurable?.thread_id ?? "");
  let threads = warned.get(mcp);
  if (!threads) warned.set(mcp, (threads = new Set()));
  if (threads.has(thread)) return false;
  threads.add(thread);
  return true;
}

/**
 * Extra tools (a test's own) are passed in when the graph is built; the
 * search tool and the MCP tools follow the run's configuration.
 */
export function createToolbox(extraTools: StructuredToolInterface[] = []): Toolbox {
  /**
   * Fanout's own tools for each configuration (readConfiguration hands out one object per distinct
   * set of settings), and the full list for each MCP toolset they were joined with: made once, not
   * on every researcher turn, so turns also bind the same tool objects (models.ts withTools)
   * instead of converting their schemas again. The MCP toolset is asked for every turn (a map
   * lookup): after closeMcpClients a new one is loaded and joined afresh.
   */
  const own = new WeakMap<Configuration, StructuredToolInterface[]>();
  const joined = new WeakMap<StructuredToolInterface[], WeakMap<McpToolset, StructuredToolInterface[]>>();
  return {
    async toolsFor(configuration, config) {
      let ours = own.get(configuration);
      if (!ours) {
        ours = ownTools(configuration, extraTools);
        own.set(configuration, ours);
      }
      const mcp = await loadMcpTools(
        configuration.mcp_servers,
        ours.map((tool) => tool.name),
        configuration.tool_timeout_seconds * 1000,
      );
      if (config && mcp.warnings.length > 0 && firstAskIn(mcp, config)) {
        for (const warning of mcp.warnings) emitProgress(config, { type: "step_degraded", step: "researcher", detail: warning });
      }
      let byToolset = joined.get(ours);
      if (!byToolset) joined.set(ours, (byToolset = new WeakMap()));
      let tools = byToolset.get(mcp);
      if (!tools) byToolset.set(mcp, (tools = [...ours, ...mcp.tools]));
      return tools;
    },
  };
}

/** Search (per search_api), fetch_url (unless turned off), think_tool, ResearchComplete and the extras. */
function ownTools(configuration: Configuration, extraTools: StructuredToolInterface[]): StructuredToolInterface[] {
  const backend = createSearchBackend(configuration);
  const search = backend ? [createSearchTool(backend, configuration)] : [];
  const fetchUrl = configuration.fetch_url_enabled ? [createFetchUrlTool(configuration)] : [];
  return [...search, ...fetchUrl, thinkTool, researchCompleteTool, ...extraTools];
}
