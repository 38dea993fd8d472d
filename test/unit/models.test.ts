import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigurationError } from "../../src/config.js";
import { apiKeyFor, checkModelCredentials, parseModelSpec } from "../../src/models.js";

test("provider:model strings split on the first colon", () => {
  assert.deepEqual(parseModelSpec("openai:gpt-4.1"), { provider: "openai", model: "gpt-4.1" });
  assert.deepEqual(parseModelSpec("openai:llama3.1:8b"), { provider: "openai", model: "llama3.1:8b" });
});

test("a malformed spec or an unknown provider is a configuration error", () => {
  assert.throws(() => parseModelSpec("gpt-4.1"), ConfigurationError);
  assert.throws(() => parseModelSpec("openai:"), ConfigurationError);
  assert.throws(() => parseModelSpec("anthropic:claude"), /provider "anthropic" is not supported/);
});

test("keys come from the environment; a compatible server needs none", () => {
  assert.equal(apiKeyFor("openai", { OPENAI_API_KEY: " sk-x " }), "sk-x");
  assert.equal(apiKeyFor("openai", { OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }), "not-needed");
  assert.throws(() => apiKeyFor("openai", {}), /OPENAI_API_KEY is not set/);
  assert.throws(() => checkModelCredentials(["openai:gpt-4.1"], {}), ConfigurationError);
});
