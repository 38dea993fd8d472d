import { ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { DynamicStructuredTool } from "@langchain/core/tools";
import type { Connection, MultiServerMCPClient } from "@langchain/mcp-adapters";
import type { Source } from "../state.js";
import { parseMcpServers, type McpServerSpec } from "./config.js";

/** The tools of the configured MCP servers, and what went wrong loading them. */
export type McpToolset = { tools: StructuredToolInterface[]; warnings: string[] };

type Loaded = { client?: MultiServerMCPClient; toolset: Promise<McpToolset> };

/**
 * One client per distinct mcp_servers value, for the life of the process:
 * servers start once, not per researcher turn. closeMcpClients stops them.
 */
const loaded = new Map<string, Loaded>();

/** The toolset of no servers: one object, so a caller can tell it is the same as last turn's. */
const NO_MCP_TOOLS: Promise<McpToolset> = Promise.resolve(Object.freeze({ tools: [], warnings: [] }) as McpToolset);

/**
 * The MCP tools for an mcp_servers value, loaded once. A server that fails to
 * start, or does not list its tools within `timeoutMs`, is a warning and its
 * tools are absent; the run goes on with the rest. Tools named like one of
 * `reserved` (Fanout's own) are left out, with a warning.
 */
export function loadMcpTools(raw: string, reserved: readonly string[], timeoutMs: number): Promise<McpToolset> {
  const key = raw.trim();
  if (!key) return NO_MCP_TOOLS;
  let entry = loaded.get(key);
  if (!entry) {
    const servers = parseMcpServers(key);
    const fresh: Loaded = { toolset: Promise.resolve({ tools: [], warnings: [] }) };
    fresh.toolset = connect(servers, reserved, timeoutMs, (client) => (fresh.client = client));
    entry = fresh;
    loaded.set(key, entry);
  }
  return entry.toolset;
}

async function connect(
  servers: Record<string, McpServerSpec>,
  reserved: readonly string[],
  timeoutMs: number,
  keep: (client: MultiServerMCPClient) => void,
): Promise<McpToolset> {
  const warnings: string[] = [];
  // The adapter and the MCP SDK are large: load them only when a server is configured.
  const { MultiServerMCPClient } = await import("@langchain/mcp-adapters");
  const client = new MultiServerMCPClient({
    mcpServers: Object.fromEntries(Object.entries(servers).map(([name, spec]) => [name, connection(spec)])),
    onConnectionError: ({ serverName, error }) => {
      warnings.push(`MCP server "${serverName}" failed to start (${describe(error)}); its tools are absent`);
    },
    prefixToolNameWithServerName: false,
    useStandardContentBlocks: false,
  });
  keep(client);
  const byServer = await withTimeout(client.initializeConnections(), timeoutMs).catch((error: unknown) => {
    warnings.push(`MCP servers did not start (${describe(error)}); their tools are absent`);
    return {} as Record<string, StructuredToolInterface[]>;
  });
  const tools: StructuredToolInterface[] = [];
  for (const [name, listed] of Object.entries(byServer)) {
    const allowed = servers[name]?.tools;
    for (const tool of listed) {
      if (allowed && !allowed.includes(tool.name)) continue;
      if (reserved.includes(tool.name) || tools.some((other) => other.name === tool.name)) {
        warnings.push(`MCP tool "${tool.name}" of server "${name}" is left out: another tool has that name`);
        continue;
      }
      tools.push(citable(tool, name));
    }
  }
  return { tools, warnings };
}

function connection(spec: McpServerSpec): Connection {
  if ("command" in spec) {
    // The server's own log lines would mix with the run's progress on stderr.
    return { transport: "stdio", command: spec.command, args: spec.args, env: withEnvironment(spec.env), cwd: spec.cwd, stderr: "ignore" };
  }
  return { transport: spec.transport ?? "http", url: spec.url, headers: withEnvironment(spec.headers) };
}

/**
 * Values with `${NAME}` replaced by that environment variable. Settings are kept
 * with the run, so a token belongs in the environment and only its name in mcp_servers.
 */
export function withEnvironment(values: Record<string, string> | undefined, env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? "")]));
}

/**
 * The MCP tool, whose answer also names a source: `mcp://server/tool?args`,
 * so a report can cite what the tool said like any page.
 */
function citable(tool: StructuredToolInterface, server: string): StructuredToolInterface {
  return new DynamicStructuredTool({
    name: tool.name,
    description: tool.description,
    schema: tool.schema as DynamicStructuredTool["schema"],
    responseFormat: "content_and_artifact",
    func: async (args: Record<string, unknown>, _runManager, config) => {
      // Without the outer call's toolCall, the inner tool answers with its content, not a ToolMessage.
      const { toolCall: _outerCall, ...inner } = config as typeof config & { toolCall?: unknown };
      const text = contentText(await tool.invoke(args, inner));
      const source: Source = { url: mcpUrl(server, tool.name, args), title: `${tool.name} (MCP server ${server})` };
      return [`--- Tool result: ${source.title}\nURL: ${source.url}\n\n${text}`, [source]];
    },
  });
}

/** An MCP tool's answer as text: a string, or text blocks joined. */
function contentText(result: unknown): string {
  const content = ToolMessage.isInstance(result) ? result.content : result;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((block: unknown) => (typeof block === "string" ? block : ((block as { text?: unknown }).text ?? JSON.stringify(block)))).join("\n");
  }
  return JSON.stringify(content);
}

function mcpUrl(server: string, toolName: string, args: Record<string, unknown>): string {
  const query = new URLSearchParams(Object.entries(args).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])).toString();
  return `mcp://${encodeURIComponent(server)}/${encodeURIComponent(toolName)}${query ? `?${query}` : ""}`;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  const timer = AbortSignal.timeout(timeoutMs);
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => timer.addEventListener("abort", () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), { once: true })),
  ]);
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").slice(0, 300);
}

/** Stops every MCP server this process started and closes its connections, so the process can exit. */
export async function closeMcpClients(): Promise<void> {
  const entries = [...loaded.values()];
  loaded.clear();
  await Promise.all(
    entries.map(async (entry) => {
      // A client still starting is closed once it has started (or given up, within its timeout).
      await entry.toolset.catch(() => undefined);
      await entry.client?.close().catch(() => undefined);
    }),
  );
}
