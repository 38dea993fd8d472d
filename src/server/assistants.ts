import type { Pregel } from "@langchain/langgraph";
import { getRuntimeGraphSchema } from "@langchain/langgraph-api/schema";
import { v5 as uuid5 } from "@langchain/core/utils/uuid";
import type { Context, Hono } from "hono";

/** The namespace `langgraph dev` derives a graph's assistant id from, so both servers give the same id. */
const NAMESPACE_GRAPH = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

/** The assistant id of a graph, as `langgraph dev` and LangGraph Platform make it. */
export function assistantIdOf(graphId: string): string {
  return uuid5(graphId, NAMESPACE_GRAPH);
}

type AnyGraph = Pregel<never, never, never, never, never> & { getGraphAsync(config: { xray?: boolean | number }): Promise<{ toJSON(): unknown }> };

/**
 * The assistant routes SDK users reach for first: the one assistant (the graph with no
 * overrides), its schemas (Studio's settings form) and its drawing. Runs accept it by its
 * id or by the graph id.
 */
export function registerAssistantRoutes(app: Hono, graphId: string, graph: unknown): void {
  const createdAt = new Date().toISOString();
  const assistant = {
    assistant_id: assistantIdOf(graphId),
    graph_id: graphId,
    name: graphId,
    description: null,
    config: {},
    context: {},
    metadata: { created_by: "system" },
    version: 1,
    created_at: createdAt,
    updated_at: createdAt,
  };
  const known = (c: Context) => [graphId, assistant.assistant_id].includes(c.req.param("assistant_id") ?? "");
  const notFound = (c: Context) =>
    c.json({ error: "NotFound", message: `no assistant "${c.req.param("assistant_id")}"; this server has "${assistant.assistant_id}" (graph "${graphId}")` }, 404);

  app.post("/assistants/search", async (c) => {
    const filter = (await c.req.json().catch(() => ({}))) as { graph_id?: string; offset?: number };
    const matches = (filter.graph_id === undefined || filter.graph_id === graphId) && (filter.offset ?? 0) === 0;
    return c.json(matches ? [assistant] : []);
  });
  app.get("/assistants/:assistant_id", (c) => (known(c) ? c.json(assistant) : notFound(c)));
  app.get("/assistants/:assistant_id/schemas", async (c) => {
    if (!known(c)) return notFound(c);
    const schema = await getRuntimeGraphSchema(graph as never);
    return c.json({
      graph_id: graphId,
      input_schema: schema?.input,
      output_schema: schema?.output,
      state_schema: schema?.state,
      config_schema: schema?.config,
      // As langgraph dev does: to JavaScript the config and context schemas are one.
      context_schema: schema?.config,
    });
  });
  app.get("/assistants/:assistant_id/graph", async (c) => {
    if (!known(c)) return notFound(c);
    // true for every level, a number for that many.
    const asked = c.req.query("xray") ?? "";
    const xray = asked === "true" ? true : Number(asked) > 0 ? Number(asked) : false;
    const drawing = await (graph as AnyGraph).getGraphAsync({ xray });
    return c.json(drawing.toJSON());
  });
}
