/** Stand-in server (a test tool): minimal objects from JSON schemas, and fitting known values. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fitArgs, minimalFromSchema } from "./schema.js";
import { searchQueries, subTopics } from "./roles.js";
import { urlsIn } from "./text.js";

describe("stand-in schema helpers", () => {
  it("builds required fields only, honouring enums, minimums, lengths, refs and nullables", () => {
    const schema = {
      type: "object",
      properties: {
        name: { type: "string", minLength: 10 },
        mode: { enum: ["fast", "slow"] },
        count: { type: "integer", exclusiveMinimum: 2 },
        ratio: { type: "number", minimum: 0.5 },
        tags: { type: "array", items: { type: "string" }, minItems: 3 },
        child: { $ref: "#/$defs/Child" },
        maybe: { type: ["null", "boolean"] },
        either: { anyOf: [{ type: "null" }, { type: "string" }] },
        optional: { type: "string" },
      },
      required: ["name", "mode", "count", "ratio", "tags", "child", "maybe", "either"],
      $defs: { Child: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] } },
    };
    assert.deepEqual(minimalFromSchema(schema), {
      name: "standinxxx",
      mode: "fast",
      count: 3,
      ratio: 0.5,
      tags: ["standin", "standin", "standin"],
      child: { ok: false },
      maybe: false,
      either: "standin",
    });
  });

  it("fits known values into a schema, bending string vs array and dropping forbidden keys", () => {
    const schema = {
      type: "object",
      properties: { queries: { type: "array", items: { type: "string" } }, note: { type: "string" } },
      required: ["queries", "note"],
      additionalProperties: false,
    };
    assert.deepEqual(fitArgs(schema, { queries: "one", extra: 1 }), { queries: ["one"], note: "standin" });
  });

  it("derives distinct readable sub-topics and short keyword queries", () => {
    const topics = subTopics("Carbon capture at cement plants. More detail follows.", 3);
    assert.deepEqual(topics, [
      "Background and history of carbon capture at cement plants",
      "Current state of carbon capture at cement plants",
      "Key players and approaches of carbon capture at cement plants",
    ]);
    assert.equal(subTopics("What are the trade-offs of green roofs?", 1)[0], "Background and history of trade-offs of green roofs");
    assert.equal(subTopics("Why do bees swarm?", 2)[1], "Current state: why do bees swarm");
    const queries = searchQueries("Current state of carbon capture at cement plants", 0);
    assert.ok(queries.length >= 1 && queries.length <= 2);
    assert.ok(queries.every((query) => query.split(" ").length <= 5));
    assert.notDeepEqual(searchQueries("Current state of carbon capture at cement plants", 1), queries);
  });

  it("finds URLs without the punctuation prose glues on", () => {
    assert.deepEqual(urlsIn("See (https://a.example/x_(y)), then https://b.example/z. And file:///c/d.md;"), [
      "https://a.example/x_(y)",
      "https://b.example/z",
      "file:///c/d.md",
    ]);
  });
});
