import { z } from "zod";
import { ConfigurationError } from "../config.js";

/** A server started as a child process, spoken to over its stdin and stdout. */
const StdioServer = z.strictObject({
  transport: z.literal("stdio").optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  /** Only these of its tools, when given. */
  tools: z.array(z.string()).optional(),
});

/** A server reached over streamable HTTP (or SSE, which older servers speak). */
const HttpServer = z.strictObject({
  transport: z.enum(["http", "sse"]).optional(),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()).optional(),
  tools: z.array(z.string()).optional(),
});

const ServerSpec = z.union([StdioServer, HttpServer]);
export type McpServerSpec = z.infer<typeof ServerSpec>;

/** Open Deep Research's mcp_config: one streamable HTTP server at `<url>/mcp`, with a tool allowlist. */
const OpenDeepResearchConfig = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  tools: z.array(z.string()).optional(),
  auth_required: z.boolean().optional(),
});

/**
 * The servers `mcp_servers` names, by name. It takes `{"name": {command, args}}`
 * or `{"name": {url}}`, the same wrapped in `{"mcpServers": …}` (the shape
 * MCP clients share), or Open Deep Research's `mcp_config` (`{url, tools}`).
 * Throws ConfigurationError naming what is wrong.
 */
export function parseMcpServers(raw: string): Record<string, McpServerSpec> {
  if (!raw.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigurationError("mcp_servers is not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new ConfigurationError("mcp_servers must be a JSON object of servers by name");
  const odr = OpenDeepResearchConfig.safeParse(value);
  if (odr.success) {
    if (odr.data.auth_required)
      throw new ConfigurationError(
        'mcp_servers: auth_required is not supported; give the server\'s headers instead, e.g. {"name": {"url": …, "headers": {"Authorization": "Bearer …"}}}',
      );
    return { mcp: { url: `${odr.data.url.replace(/\/+$/, "")}/mcp`, tools: odr.data.tools } };
  }
  const servers = ((value as { mcpServers?: unknown }).mcpServers ?? value) as Record<string, unknown>;
  const parsed: Record<string, McpServerSpec> = {};
  for (const [name, spec] of Object.entries(servers)) {
    const result = ServerSpec.safeParse(spec);
    if (!result.success) {
      throw new ConfigurationError(`mcp_servers: server "${name}" needs a "command" (with "args") or an http(s) "url"`);
    }
    parsed[name] = result.data;
  }
  return parsed;
}
