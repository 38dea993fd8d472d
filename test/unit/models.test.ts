import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigurationError } from "../../src/config.js";
import { checkModelCredentials, parseModelSpec } from "../../src/models.js";
import { PROVIDERS, loadProviderPackages } from "../../src/providers.js";

test("provider:model strings split on the first colon", () => {
  assert.deepEqual(parseModelSpec("openai:gpt-4.1"), { provider: "openai", model: "gpt-4.1" });
  assert.deepEqual(parseModelSpec("ollama:llama3.1:8b"), { provider: "ollama", model: "llama3.1:8b" });
});

test("a malformed spec or an unknown provider is a configuration error", () => {
  assert.throws(() => parseModelSpec("gpt-4.1"), ConfigurationError);
  assert.throws(() => parseModelSpec("openai:"), ConfigurationError);
  assert.throws(() => parseModelSpec("acme:claude"), /provider "acme" is not supported; use one of openai, azure_openai, anthropic, google-genai, ollama, bedrock/);
});

test("keys come from the environment; a compatible server needs none", () => {
  assert.equal(PROVIDERS.openai.endpoint({ OPENAI_API_KEY: " sk-x " }).apiKey, "sk-x");
  assert.equal(PROVIDERS.openai.endpoint({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }).apiKey, "not-needed");
  assert.throws(() => PROVIDERS.openai.endpoint({}), /OPENAI_API_KEY is not set/);
  assert.throws(() => checkModelCredentials(["openai:gpt-4.1"], {}), ConfigurationError);
});

test("each provider's usual variables are checked before a run, naming what is missing", () => {
  const missing: [string, RegExp][] = [
    ["anthropic:claude-sonnet-4-5", /ANTHROPIC_API_KEY is not set/],
    ["google-genai:gemini-2.5-pro", /GOOGLE_API_KEY or GEMINI_API_KEY is not set/],
    ["azure_openai:my-deployment", /AZURE_OPENAI_API_KEY is not set/],
    ["bedrock:anthropic.claude-3-5-sonnet", /AWS_REGION or AWS_DEFAULT_REGION is not set/],
    ["openrouter:meta-llama/llama-3.1-70b", /OPENROUTER_API_KEY is not set/],
    ["groq:llama-3.1-8b-instant", /GROQ_API_KEY is not set/],
    ["deepseek:deepseek-chat", /DEEPSEEK_API_KEY is not set/],
    ["vllm:qwen2.5", /VLLM_BASE_URL is not set/],
  ];
  for (const [spec, message] of missing) assert.throws(() => checkModelCredentials([spec], {}), message, spec);
  assert.throws(() => checkModelCredentials(["azure_openai:d"], { AZURE_OPENAI_API_KEY: "k".repeat(20) }), /AZURE_OPENAI_API_INSTANCE_NAME or AZURE_OPENAI_ENDPOINT/);
  // Ollama runs locally with no key; vLLM needs only its address.
  checkModelCredentials(["ollama:llama3.1", "vllm:qwen2.5"], { VLLM_BASE_URL: "http://127.0.0.1:8000/v1" });
  assert.equal(PROVIDERS.ollama.endpoint({ OLLAMA_HOST: "gpu-box:11434" }).baseURL, "http://gpu-box:11434");
  assert.equal(PROVIDERS.groq.endpoint({ GROQ_API_KEY: "gsk-test" }).baseURL, "https://api.groq.com/openai/v1");
});

test("a provider whose package is not installed is a configuration error naming the package", async () => {
  await loadProviderPackages(["anthropic", "ollama"]);
  await assert.rejects(loadProviderPackages(["bedrock"]), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError);
    assert.match(error.message, /bedrock models need the package @langchain\/aws, which is not installed; install it with: npm install @langchain\/aws/);
    return true;
  });
});

test("an Anthropic or Ollama server that is not there fails at once, named, as OpenAI's does", async () => {
  const { createChatModel, loadModelProviders } = await import("../../src/models.js");
  const { createServer } = await import("node:net");
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => probe.once("listening", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const url = `http://127.0.0.1:${port}`;
  const saved = { a: process.env.ANTHROPIC_API_KEY, b: process.env.ANTHROPIC_BASE_URL, o: process.env.OLLAMA_BASE_URL };
  Object.assign(process.env, { ANTHROPIC_API_KEY: "test-key-not-secret", ANTHROPIC_BASE_URL: url, OLLAMA_BASE_URL: url });
  try {
    await loadModelProviders(["anthropic:claude-haiku-4-5", "ollama:llama3.1"]);
    for (const spec of ["anthropic:claude-haiku-4-5", "ollama:llama3.1"]) {
      const model = createChatModel(spec, { maxTokens: 100, timeoutSeconds: 5 });
      await assert.rejects(model.invoke("hello"), new RegExp(`cannot reach the model server at ${url} \\(connection refused\\)`), spec);
    }
    // stream_tokens off reaches clients that do not read it from their fields (OpenAI's does; the server test counts its streams).
    for (const spec of ["anthropic:claude-haiku-4-5", "ollama:llama3.1"]) {
      const whole = createChatModel(spec, { maxTokens: 100, timeoutSeconds: 5, streamTokens: false });
      assert.equal(whole.disableStreaming, true, spec);
      assert.equal(createChatModel(spec, { maxTokens: 100, timeoutSeconds: 5 }).disableStreaming, false, spec);
    }
  } finally {
    for (const [name, value] of [
      ["ANTHROPIC_API_KEY", saved.a],
      ["ANTHROPIC_BASE_URL", saved.b],
      ["OLLAMA_BASE_URL", saved.o],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test("Azure and the OpenAI-compatible hosts build OpenAI clients at their own addresses", async () => {
  const { createChatModel, loadModelProviders } = await import("../../src/models.js");
  const env = {
    AZURE_OPENAI_API_KEY: "azure-test-key",
    AZURE_OPENAI_API_INSTANCE_NAME: "fanout-test",
    AZURE_OPENAI_API_VERSION: "2024-10-21",
    GROQ_API_KEY: "gsk-test-key",
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    await loadModelProviders(["azure_openai:my-deployment", "groq:llama-3.1-8b-instant"]);
    const azure = createChatModel("azure_openai:my-deployment", { maxTokens: 100, timeoutSeconds: 5 }) as unknown as {
      azureOpenAIApiDeploymentName: string;
      azureOpenAIEndpoint: string;
    };
    assert.equal(azure.azureOpenAIApiDeploymentName, "my-deployment");
    assert.equal(azure.azureOpenAIEndpoint, "https://fanout-test.openai.azure.com");
    const groq = createChatModel("groq:llama-3.1-8b-instant", { maxTokens: 100, timeoutSeconds: 5 }) as unknown as { clientConfig: { baseURL: string }; model: string };
    assert.equal(groq.clientConfig.baseURL, "https://api.groq.com/openai/v1");
    assert.equal(groq.model, "llama-3.1-8b-instant");
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
