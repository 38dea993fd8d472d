import { ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { DynamicStructuredTool } from "@langchain/core/tools";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Source } from "../state.js";
import { parseMcpServers, type McpServerSpec } from "./config.js";

/** The tools of the configured MCP servers, and what went wrong loading them. */
export type McpToolset = { tools: StructuredToolInterface[]; warnings: string[] };

/** One configured server: its tools (none if it failed), the warning if it failed and when, how to stop it. */
type ServerState = { name: string; tools: StructuredToolInterface[]; warning?: string; failedAt?: number; close: () => Promise<void> };

/** The servers of one mcp_servers value, and the toolset they make now. */
type Loaded = { servers: Record<string, McpServerSpec>; states: Promise<ServerState>[]; toolset: Promise<McpToolset> };

/**
 * The servers of each distinct mcp_servers value, for the life of the process: they start once,
 * not per researcher turn; one that failed is started again on a turn at least MCP_RETRY_MS
 * later (a long-lived server or `langgraph dev` would otherwise never get its tools back).
 * closeMcpClients stops them.
 */
const loaded = new Map<string, Loaded>();

/** How long a server that failed to start is left before a researcher turn tries it again. */
export const MCP_RETRY_MS = 60_000;

/** The toolset of no servers: one object, so a caller can tell it is the same as last turn's. */
const NO_MCP_TOOLS: Promise<McpToolset> = Promise.resolve(Object.freeze({ tools: [], warnings: [] }) as McpToolset);

/**
 * The MCP tools for an mcp_servers value. The servers start side by side; one that fails to
 * start, or does not list its tools within `timeoutMs`, is a warning naming it, it is stopped,
 * and its tools are absent; the run goes on with the rest. Tools named like one of `reserved`
 * (Fanout's own) are left out, with a warning. The same toolset object is returned until a
 * server is tried again.
 */
export async function loadMcpTools(raw: string, reserved: readonly string[], timeoutMs: number, now = Date.now()): Promise<McpToolset> {
  const key = raw.trim();
  if (!key) return NO_MCP_TOOLS;
  let entry = loaded.get(key);
  if (!entry) {
    const servers = parseMcpServers(key);
    const states = Object.entries(servers).map(([name, spec]) => startServer(name, spec, timeoutMs));
    entry = { servers, states, toolset: toolsetOf(servers, states, reserved) };
    loaded.set(key, entry);
    return entry.toolset;
  }
  const current = entry;
  const asked = [...current.states];
  const states = await Promise.all(asked);
  let retried = false;
  states.forEach((state, index) => {
    // Only if no other turn has started it again meanwhile: one process per server.
    if (state.failedAt === undefined || now - state.failedAt < MCP_RETRY_MS || current.states[index] !== asked[index]) return;
    current.states[index] = startServer(state.name, current.servers[state.name]!, timeoutMs);
    retried = true;
  });
  if (retried) current.toolset = toolsetOf(current.servers, current.states, reserved);
  return current.toolset;
}

async function toolsetOf(servers: Record<string, McpServerSpec>, starting: Promise<ServerState>[], reserved: readonly string[]): Promise<McpToolset> {
  const started = await Promise.all(starting);
  const warnings = started.flatMap((server) => (server.warning ? [server.warning] : []));
  const tools: StructuredToolInterface[] = [];
  for (const { name, tools: listed } of started) {
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

/**
 * One server, on a connection of its own: its tools, or a warning naming it. A server that does
 * not answer within `timeoutMs` is stopped then (a stdio server's process is ended), so neither a
 * run nor the process's exit waits on it.
 */
async function startServer(name: string, spec: McpServerSpec, timeoutMs: number): Promise<ServerState> {
  // The MCP SDK and the adapter are large: load them only when a server is configured.
  const [{ Client }, { loadMcpTools: toolsOfClient }] = await Promise.all([import("@modelcontextprotocol/sdk/client/index.js"), import("@langchain/mcp-adapters")]);
  const { transport, stderrTail } = await transportFor(spec);
  const client = new Client({ name: "fanout", version: "1" });
  const close = () => client.close().catch(() => undefined);
  try {
    await client.connect(transport, { timeout: timeoutMs });
    const tools = await withTimeout(
      toolsOfClient(name, client, { throwOnLoadError: true, prefixToolNameWithServerName: false, useStandardContentBlocks: false }),
      timeoutMs,
    );
    return { name, tools, close };
  } catch (error) {
    await close();
    const said = stderrTail();
    const timedOut = isTimeout(error);
    const why = timedOut ? `no answer within ${timeoutMs / 1000} s` : describe(error);
    const warning = `MCP server "${name}" ${timedOut ? "did not start" : "failed to start"} (${why}${said ? `; it said: ${said}` : ""}); its tools are absent`;
    return { name, tools: [], warning, failedAt: Date.now(), close };
  }
}

/** How to reach a server, and (stdio) the last of what it wrote on stderr, for a failure's message. */
async function transportFor(spec: McpServerSpec): Promise<{ transport: Transport; stderrTail: () => string }> {
  if ("command" in spec) {
    const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
    // The server's own log lines would mix with the run's progress on stderr: they are kept, not
    // shown, and only the last of them, which says why a server that failed to start did.
    const env = withEnvironment(spec.env);
    const transport = new StdioClientTransport({
      command: spec.command,
      args: spec.args,
      cwd: spec.cwd,
      stderr: "pipe",
      ...(env ? { env: { PATH: process.env.PATH ?? "", ...env } } : {}),
    });
    let tail = "";
    transport.stderr?.on("data", (chunk: Buffer) => (tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARACTERS)));
    return { transport, stderrTail: () => tail.replace(/\s+/g, " ").trim() };
  }
  const headers = withEnvironment(spec.headers);
  const options = headers ? { requestInit: { headers } } : {};
  if (spec.transport === "sse") {
    const { SSEClientTransport } = await import("@modelcontextprotocol/sdk/client/sse.js");
    return { transport: new SSEClientTransport(new URL(spec.url), options), stderrTail: () => "" };
  }
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  return { transport: new StreamableHTTPClientTransport(new URL(spec.url), options), stderrTail: () => "" };
}

/** How much of a stdio server's stderr a failure's message quotes. */
const STDERR_TAIL_CHARACTERS = 300;

/** The MCP SDK's "Request timed out" (code -32001), or withTimeout's own. */
function isTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === -32001 || (error instanceof Error && /timed out|no answer within/i.test(error.message));
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
  // A server still starting is stopped once it has started or given up (within its timeout).
  await Promise.all(entries.flatMap((entry) => entry.states.map((state) => state.then((started) => started.close()))));
}
