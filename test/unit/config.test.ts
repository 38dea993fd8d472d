import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigurationError, configurationFromEnv, configurationFromPairs, parseConfiguration, readConfiguration } from "../../src/config.js";

test("defaults keep Open Deep Research's names and values", () => {
  const configuration = parseConfiguration({});
  assert.equal(configuration.max_concurrent_research_units, 5);
  assert.equal(configuration.allow_clarification, true);
  assert.equal(configuration.search_api, "tavily");
  assert.equal(configuration.tool_timeout_seconds, 30);
  assert.equal(configuration.research_model, "openai:gpt-4.1");
});

test("string values from the CLI and env are coerced", () => {
  const configuration = parseConfiguration({ max_concurrent_research_units: "3", allow_clarification: "false", tool_timeout_seconds: "0.5" });
  assert.equal(configuration.max_concurrent_research_units, 3);
  assert.equal(configuration.allow_clarification, false);
  assert.equal(configuration.tool_timeout_seconds, 0.5);
});

test("an unknown key is an error naming the key", () => {
  assert.throws(
    () => parseConfiguration({ max_concurent_units: 3 }),
    (error: Error) => {
      assert.ok(error instanceof ConfigurationError);
      assert.match(error.message, /max_concurent_units/);
      assert.match(error.message, /max_concurrent_research_units/);
      return true;
    },
  );
});

test("a bad value names the key and what it accepts", () => {
  assert.throws(() => parseConfiguration({ max_concurrent_research_units: "lots" }), /max_concurrent_research_units.*whole number from 1 to 64/);
  assert.throws(() => parseConfiguration({ search_api: "bing" }), /search_api.*tavily, searxng, local or none/);
  assert.throws(() => parseConfiguration({ allow_clarification: "maybe" }), /allow_clarification.*true or false/);
  assert.throws(() => parseConfiguration({ research_model: "gpt-4.1" }), /research_model.*provider:model/);
  assert.throws(() => parseConfiguration({ max_concurrent_research_units: 0 }), /max_concurrent_research_units/);
});

test("FANOUT_ environment variables are read, and an unknown one is an error", () => {
  assert.deepEqual(configurationFromEnv({ FANOUT_MAX_REACT_TOOL_CALLS: "4", FANOUT_HOME: "/tmp/x", PATH: "/bin" }), { max_react_tool_calls: "4" });
  assert.throws(() => configurationFromEnv({ FANOUT_MAX_UNITS: "4" }), /FANOUT_MAX_UNITS/);
});

test("a bad FANOUT_ value names the environment variable, not --set", () => {
  assert.throws(
    () => configurationFromEnv({ FANOUT_MAX_CONCURRENT_RESEARCH_UNITS: "lots" }),
    (error: Error) => {
      assert.ok(error instanceof ConfigurationError);
      assert.equal(error.message, 'bad value "lots" for FANOUT_MAX_CONCURRENT_RESEARCH_UNITS: expected a whole number from 1 to 64');
      return true;
    },
  );
  assert.throws(
    () => configurationFromEnv({ FANOUT_SEARCH_API: "bing" }),
    /^ConfigurationError: bad value "bing" for FANOUT_SEARCH_API: expected tavily, searxng, local or none, or a list of distinct providers tried in order, e.g. tavily,searxng \(none only on its own\)$/,
  );
  assert.throws(
    () => configurationFromEnv({ FANOUT_RESEARCH_MODEL: "sk-abcdefghijklmnopqrstuvwxyz" }),
    /bad value \(hidden: it looks like a secret\) for FANOUT_RESEARCH_MODEL/,
  );
});

test("--set pairs split on the first =", () => {
  assert.deepEqual(configurationFromPairs(["search_api=local", "local_corpus_path=/a=b"]), { search_api: "local", local_corpus_path: "/a=b" });
  assert.throws(() => configurationFromPairs(["search_api"]), /key=value/);
});

test("readConfiguration lets configurable win over env and ignores platform keys", () => {
  const saved = process.env.FANOUT_MAX_REACT_TOOL_CALLS;
  process.env.FANOUT_MAX_REACT_TOOL_CALLS = "7";
  try {
    const fromEnv = readConfiguration({ configurable: { thread_id: "t1", checkpoint_ns: "", __pregel_x: 1 } });
    assert.equal(fromEnv.max_react_tool_calls, 7);
    const overridden = readConfiguration({ configurable: { thread_id: "t1", max_react_tool_calls: 2 } });
    assert.equal(overridden.max_react_tool_calls, 2);
    assert.throws(() => readConfiguration({ configurable: { max_react_tool_call: 2 } }), /max_react_tool_call"; did you mean "max_react_tool_calls"/);
  } finally {
    if (saved === undefined) delete process.env.FANOUT_MAX_REACT_TOOL_CALLS;
    else process.env.FANOUT_MAX_REACT_TOOL_CALLS = saved;
  }
});

test("configurable may carry the platform's own keys, such as the dev server's request headers", () => {
  const configuration = readConfiguration({
    configurable: { thread_id: "t", "user-agent": "curl/8", host: "localhost:2024", "x-request-id": "r1", langgraph_auth_user: {}, run_id: "r", search_api: "none" },
  });
  assert.equal(configuration.search_api, "none");
});

test("model_timeout_seconds limits one model request: 300 s by default, which is also its maximum", () => {
  assert.equal(parseConfiguration({}).model_timeout_seconds, 300);
  assert.equal(parseConfiguration({ model_timeout_seconds: "1.5" }).model_timeout_seconds, 1.5);
  assert.throws(() => parseConfiguration({ model_timeout_seconds: "301" }), /model_timeout_seconds.*a number above 0, at most 300/);
  assert.throws(() => parseConfiguration({ model_timeout_seconds: "0" }), /model_timeout_seconds/);
});

test("a bad run setting is said to come from where it was given: context, configurable, or a FANOUT_ variable", () => {
  assert.throws(() => readConfiguration({ context: { max_search_results: 99 } }), /bad value 99 for "max_search_results" \(context\)/);
  assert.throws(() => readConfiguration({ configurable: { max_search_results: 99 } }), /bad value 99 for "max_search_results" \(configurable\)/);
  assert.throws(() => readConfiguration({ context: { max_search_result: 3 } }), /unknown context key "max_search_result"; did you mean/);
  const saved = process.env.FANOUT_MAX_SEARCH_RESULTS;
  process.env.FANOUT_MAX_SEARCH_RESULTS = "99";
  try {
    assert.throws(() => readConfiguration({ configurable: { thread_id: "t" } }), /bad value "99" for FANOUT_MAX_SEARCH_RESULTS: expected a whole number/);
  } finally {
    if (saved === undefined) delete process.env.FANOUT_MAX_SEARCH_RESULTS;
    else process.env.FANOUT_MAX_SEARCH_RESULTS = saved;
  }
});

test("search_api's message says why a list is refused: a provider twice, or none among others", () => {
  for (const bad of ["local,none", "local,local"]) {
    assert.throws(() => parseConfiguration({ search_api: bad }), /distinct providers .*\(none only on its own\)/, bad);
  }
});
