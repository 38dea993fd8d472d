import { test } from "node:test";
import assert from "node:assert/strict";
import { getRuntimeGraphSchema } from "@langchain/langgraph-api/schema";
import { MemorySaver } from "@langchain/langgraph";
import { HumanMessage } from "@langchain/core/messages";
import { CONFIGURATION_KEYS, ConfigurationSchema } from "../../src/config.js";
import { buildDeepResearcher, graph } from "../../graphs/deep_researcher.js";

type JsonField = { description?: string; default?: unknown; type?: string; anyOf?: unknown[]; enum?: unknown[] };

// What GET /assistants/{id}/schemas returns as config_schema and context_schema:
// the installed server's own extraction, with its patch (patches/) applied.
test("the server's schema extraction lists every setting with its description and default", async () => {
  const schema = await getRuntimeGraphSchema(graph as never);
  const properties = (schema?.config as { properties?: Record<string, JsonField> } | undefined)?.properties;
  assert.ok(properties, "the graph publishes a config schema");
  assert.deepEqual(Object.keys(properties), CONFIGURATION_KEYS);
  const defaults = ConfigurationSchema.parse({});
  for (const key of CONFIGURATION_KEYS) {
    assert.equal(properties[key].description, ConfigurationSchema.shape[key].description, key);
    assert.deepEqual(properties[key].default, defaults[key], key);
    assert.ok(properties[key].type ?? properties[key].anyOf, `${key} has a type`);
  }
  assert.equal(properties.max_search_results.type, "integer");
});

test("a bad setting is judged by Fanout's own words, not rejected by the context schema in zod's", async () => {
  const researcher = buildDeepResearcher({ checkpointer: new MemorySaver() });
  await assert.rejects(
    researcher.invoke({ messages: [new HumanMessage("What is tidal power?")] }, { configurable: { thread_id: "bad-setting", max_search_results: "many" } }),
    (error: Error) => {
      assert.equal(error.name, "ConfigurationError");
      assert.match(error.message, /bad value "many" for "max_search_results".*expected a whole number from 1 to 20/);
      return true;
    },
  );
});
