/**
 * Stand-in server (a test tool): validates OpenAI request bodies with zod and turns a
 * chat request into a ParsedRequest, including the role the stand-in will play.
 */
import { z } from "zod";
import { propertyNames } from "./schema.js";
import type { ChatMessage, JsonSchema, ParsedRequest, Role, StructuredTarget, ToolChoice, ToolDef } from "./types.js";

const Part = z.looseObject({ type: z.string(), text: z.string().optional() });
const Content = z.union([z.string(), z.array(Part), z.null()]).optional();
const SchemaObject = z.record(z.string(), z.unknown());

const WireToolCall = z.object({
  id: z.string(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const WireMessage = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: Content,
  name: z.string().optional(),
  tool_calls: z.array(WireToolCall).nullish(),
  tool_call_id: z.string().optional(),
});

const WireTool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: SchemaObject.optional(),
    strict: z.boolean().nullish(),
  }),
});

const WireToolChoice = z.union([z.enum(["auto", "none", "required"]), z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) })]);

const ResponseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: SchemaObject.optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

export const ChatBody = z
  .object({
    model: z.string().min(1),
    messages: z.array(WireMessage).min(1),
    tools: z.array(WireTool).optional(),
    tool_choice: WireToolChoice.optional(),
    response_format: ResponseFormat.optional(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  })
  .refine(
    (body) =>
      typeof body.tool_choice !== "object" ||
      (body.tools ?? []).some((tool) => tool.function.name === (body.tool_choice as { function: { name: string } }).function.name),
    { message: "tool_choice names a function that is not in tools", path: ["tool_choice"] },
  );
export type ChatBody = z.infer<typeof ChatBody>;

export const EmbeddingsBody = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).max(4096).optional(),
});
export type EmbeddingsBody = z.infer<typeof EmbeddingsBody>;

/** One line per issue, e.g. "messages.0.role: Invalid option". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`).join("; ");
}

function flatten(content: z.infer<typeof Content>): string {
  if (typeof content === "string") return content;
  if (!content) return "";
  return content
    .map((part) => part.text ?? "")
    .filter(Boolean)
    .join("\n");
}

function toMessage(wire: z.infer<typeof WireMessage>): ChatMessage {
  const role = wire.role === "developer" ? "system" : wire.role === "function" ? "tool" : wire.role;
  const toolCalls = (wire.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
  return { role, content: flatten(wire.content), toolCalls, ...(wire.tool_call_id ? { toolCallId: wire.tool_call_id } : {}) };
}

function toTool(wire: z.infer<typeof WireTool>): ToolDef {
  return { name: wire.function.name, description: wire.function.description ?? "", parameters: (wire.function.parameters ?? {}) as JsonSchema };
}

function toToolChoice(wire: ChatBody["tool_choice"]): ToolChoice {
  if (wire === undefined) return "auto";
  return typeof wire === "string" ? wire : { name: wire.function.name };
}

function structuredTarget(body: ChatBody, tools: ToolDef[], choice: ToolChoice, messages: ChatMessage[]): StructuredTarget | undefined {
  const format = body.response_format;
  if (format?.type === "json_schema") {
    return { name: format.json_schema.name, schema: (format.json_schema.schema ?? {}) as JsonSchema, via: "response_format" };
  }
  if (format?.type === "json_object") return { name: "json_object", schema: {}, via: "json_object" };
  if (typeof choice === "object") {
    const tool = tools.find((candidate) => candidate.name === choice.name);
    if (tool) return { name: tool.name, schema: tool.parameters, via: "tool_choice" };
  }
  return tools.length === 0 ? schemaInText(messages) : undefined;
}

/** A schema spelled out in the last user message (`<json_schema name="…">{…}</json_schema>`), as asked of a model with no structured modes. */
export const TEXT_SCHEMA = /<json_schema name="([^"]+)">\s*([\s\S]*?)\s*<\/json_schema>/;

function schemaInText(messages: ChatMessage[]): StructuredTarget | undefined {
  const last = [...messages].reverse().find((message) => message.role === "user");
  const match = last ? TEXT_SCHEMA.exec(last.content) : null;
  if (!match) return undefined;
  try {
    return { name: match[1]!, schema: JSON.parse(match[2]!) as JsonSchema, via: "text" };
  } catch {
    return undefined;
  }
}

/** Known schemas by name or, since withStructuredOutput names them "extract" by default, by shape. */
function knownRole(target: StructuredTarget): Role | undefined {
  const props = new Set(propertyNames(target.schema));
  if (target.name === "ClarifyWithUser" || props.has("need_clarification")) return "clarify";
  if (target.name === "ResearchQuestion" || props.has("research_brief")) return "brief";
  if (target.name === "Summary" || (props.has("summary") && props.has("key_excerpts"))) return "summary";
  if (target.name === "CitationVerdicts" || props.has("verdicts")) return "citation_check";
  return undefined;
}

export function hasQueries(tool: ToolDef): boolean {
  return propertyNames(tool.parameters).includes("queries");
}

export function roleOf(structured: StructuredTarget | undefined, tools: ToolDef[]): Role {
  if (structured) return knownRole(structured) ?? "structured";
  if (tools.some((tool) => tool.name === "ConductResearch")) return "supervisor";
  if (tools.some(hasQueries)) return "researcher";
  return tools.length === 0 ? "writer" : "other";
}

export function parseChat(body: ChatBody, seq: number): ParsedRequest {
  const messages = body.messages.map(toMessage);
  const tools = (body.tools ?? []).map(toTool);
  const toolChoice = toToolChoice(body.tool_choice);
  const structured = structuredTarget(body, tools, toolChoice, messages);
  const firstUser = messages.find((message) => message.role === "user");
  return {
    seq,
    role: roleOf(structured, tools),
    model: body.model,
    topic: firstUser?.content.trim() ?? "",
    messages,
    tools,
    toolNames: tools.map((tool) => tool.name),
    toolChoice,
    ...(structured ? { structured } : {}),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
  };
}
