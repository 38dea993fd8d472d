import { Client } from "langsmith";
import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { redactSecrets, secretValues } from "../secrets.js";
import { shownUrl, unreachableReason } from "../util/network.js";

/** How long the CLI waits after a run for traces still being sent. */
const FLUSH_DEADLINE_MS = 3_000;
/** How long one trace upload may take while the run goes on (LangSmith's own default is 90 s). */
const UPLOAD_TIMEOUT_MS = 10_000;

const LANGSMITH_API_URL = "https://api.smith.langchain.com";

/** The same switches LangChain reads to decide whether to trace. */
const TRACING_SWITCHES = ["LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING", "LANGCHAIN_TRACING"];

export type Tracing = {
  /** Callbacks for the run's config: LangSmith's tracer, on a client that cannot hold the CLI up. */
  callbacks: BaseCallbackHandler[];
  /** Sends what is left, for at most a few seconds, and says once on stderr if traces were lost. */
  finish(stderr: NodeJS.WritableStream): Promise<void>;
};

/**
 * LangSmith tracing for one run, when the environment turns it on; else undefined.
 *
 * LangChain's default tracer retries a failed upload four times with a 90 s timeout each and
 * prints every failure, so an unreachable LangSmith kept the CLI alive for minutes after the
 * report and filled stderr. Here a failed upload is counted and dropped, the run's end waits at
 * most FLUSH_DEADLINE_MS for uploads in flight, and one line says traces were not sent.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (!TRACING_SWITCHES.some((name) => env[name] === "true")) return undefined;
  const endpoint = shownUrl(env.LANGSMITH_ENDPOINT?.trim() || env.LANGCHAIN_ENDPOINT?.trim() || LANGSMITH_API_URL);
  const closing = new AbortController();
  /** Why the first upload was lost; only that one is reported. */
  let firstFailure: string | undefined;

  const upload: typeof fetch = async (input, init) => {
    // After the deadline, nothing more is tried.
    if (closing.signal.aborted) return dropped();
    try {
      return await fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, closing.signal]) : closing.signal });
    } catch (error) {
      firstFailure ??= unreachableReason(error) ?? (isAbort(error) ? `no answer within ${UPLOAD_TIMEOUT_MS / 1000} s` : "network error");
      return dropped();
    }
  };
  const client = new Client({ timeout_ms: UPLOAD_TIMEOUT_MS, fetchImplementation: upload, anonymizer: withoutSecrets(secretValues(env)) });

  return {
    callbacks: [new LangChainTracer({ client })],
    async finish(stderr) {
      const flushed = await settlesWithin(client.awaitPendingTraceBatches(), FLUSH_DEADLINE_MS);
      closing.abort();
      if (!flushed) firstFailure ??= `no answer within ${FLUSH_DEADLINE_MS / 1000} s of the run's end`;
      if (firstFailure) stderr.write(`fanout: traces could not be sent to LangSmith at ${endpoint} (${firstFailure}); the run itself is not affected\n`);
    },
  };
}

/**
 * What a failed upload answers the LangSmith client: "accepted", so that it neither retries
 * nor prints the failure; the failure is counted and reported once instead.
 */
function dropped(): Response {
  return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
}

/**
 * Takes secrets out of what a trace records (inputs, outputs, metadata, errors): an upstream
 * error that echoes the caller's key would otherwise be sent to LangSmith with the run.
 */
function withoutSecrets(secrets: readonly string[]): (values: Record<string, unknown>) => Record<string, unknown> {
  return (values) => {
    const text = JSON.stringify(values);
    if (text === undefined) return values;
    const redacted = redactSecrets(text, secrets);
    return redacted === text ? values : (JSON.parse(redacted) as Record<string, unknown>);
  };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

/** True when the promise settled within `ms`; a late rejection is ignored. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
