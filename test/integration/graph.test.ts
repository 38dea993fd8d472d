import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import type { StandIn } from "../standin/server.js";
import type { ParsedRequest } from "../standin/types.js";
import { listedSources, runGraph, sharedStandIn, topicsAsked, useStandInTavily } from "../support/harness.js";
import { ConfigurationError } from "../../src/config.js";
import { describeError, rootErrors } from "../../src/util/errors.js";

const QUESTION = "How does tidal power generate electricity?";

describe("the research graph against the stand-in model", () => {
  const current = sharedStandIn({ units: 3, searchRounds: 1 });
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
  });

  test("nodes run in order: scoping, supervisor ⇄ units, report", async () => {
    const run = await runGraph(QUESTION, {});
    const top = run.updates.filter((u) => !u.includes("/"));
    assert.deepEqual(top, ["clarify_with_user", "write_research_brief", "research_supervisor", "final_report_generation"]);
    const supervisorSteps = run.updates.filter((u) => /^research_supervisor\/[a-z_]+$/.test(u));
    assert.deepEqual(supervisorSteps.slice(0, 2), ["research_supervisor/supervisor", "research_supervisor/supervisor_tools"]);
    assert.equal(supervisorSteps.filter((u) => u.endsWith("/research_unit")).length, 3);
    const unitSteps = run.updates.filter((u) => u.startsWith("research_supervisor/research_unit/"));
    assert.equal(unitSteps.filter((u) => u.endsWith("/compress_research")).length, 3);
    assert.equal(unitSteps.filter((u) => u.endsWith("/researcher")).length, 6, "two researcher turns per unit");
    assert.ok(String(run.values.final_report).startsWith("# "));
  });

  test("research units are really in flight at once", async () => {
    standin.configure({ latencyMs: 300, units: 4 });
    await runGraph(QUESTION, { max_concurrent_research_units: 4 });
    const stats = standin.stats();
    assert.ok(stats.peakInFlightByRole.researcher >= 4, `peak researcher calls in flight: ${stats.peakInFlightByRole.researcher}`);
  });

  /** Keeps every chat request the stand-in sees, messages included, then lets it answer as usual. */
  function recordRequests(): ParsedRequest[] {
    const seen: ParsedRequest[] = [];
    standin.configure({ behaviour: (request) => void seen.push(request) });
    return seen;
  }

  test("calls beyond max_concurrent_research_units are answered with an error, not dropped", async () => {
    standin.configure({ units: 5 });
    const seen = recordRequests();
    await runGraph(QUESTION, { max_concurrent_research_units: 2 });
    assert.equal(topicsAsked(standin, "researcher").size, 2, "only two units ran");
    const secondTurn = seen.filter((r) => r.role === "supervisor")[1];
    assert.ok(secondTurn, "the supervisor was asked again");
    const toolReplies = secondTurn.messages.filter((m) => m.role === "tool");
    assert.equal(toolReplies.length, 5, "every call got an answer");
    const refused = toolReplies.filter((m) => m.content.includes("max_concurrent_research_units=2"));
    assert.equal(refused.length, 3);
  });

  test("max_researcher_iterations=1 still runs the first turn's research, and every supervisor call gets an answer", async () => {
    const run = await runGraph(QUESTION, { max_researcher_iterations: 1 });
    assert.equal((run.values.notes as string[]).length, 3, "the three units of the first turn ran");
    const messages = run.values.supervisor_messages as { tool_calls?: { id: string }[]; tool_call_id?: string }[];
    const asked = messages.flatMap((m) => m.tool_calls ?? []).map((c) => c.id);
    const answered = new Set(messages.map((m) => m.tool_call_id).filter(Boolean));
    assert.ok(asked.length > 3, "the supervisor made its research calls and a closing one");
    assert.deepEqual(
      asked.filter((id) => !answered.has(id)),
      [],
      "no call was left without an answer",
    );
  });

  test("a throwing tool and a hanging tool become error messages and the run goes on", async () => {
    const broken = tool(
      async () => {
        throw new Error("disk on fire");
      },
      {
        name: "broken_tool",
        description: "always fails",
        schema: z.object({ x: z.string() }),
      },
    );
    const hanging = tool(() => new Promise<string>(() => undefined), {
      name: "hanging_tool",
      description: "never answers",
      schema: z.object({ x: z.string() }),
    });
    const seen: ParsedRequest[] = [];
    standin.configure({
      units: 1,
      behaviour: (request) => {
        seen.push(request);
        const firstResearcherTurn = request.role === "researcher" && !request.messages.some((m) => m.role === "tool");
        if (!firstResearcherTurn) return undefined;
        return {
          toolCalls: [
            { name: "broken_tool", args: { x: "a" } },
            { name: "hanging_tool", args: { x: "b" } },
            { name: "local_search", args: { queries: ["tidal barrage"] } },
          ],
        };
      },
    });
    const run = await runGraph(QUESTION, { tool_timeout_seconds: 0.5 }, { tools: [broken, hanging] });
    const secondTurn = seen.filter((r) => r.role === "researcher")[1];
    const replies = secondTurn.messages.filter((m) => m.role === "tool").map((m) => m.content);
    assert.equal(replies.length, 3);
    assert.ok(
      replies.some((c) => /broken_tool failed: disk on fire/.test(c)),
      replies.join("\n"),
    );
    assert.ok(
      replies.some((c) => /hanging_tool failed: timed out after 0\.5 s/.test(c)),
      replies.join("\n"),
    );
    assert.ok(
      replies.some((c) => c.includes("tidal-power.html")),
      "the search still ran",
    );
    assert.ok(String(run.values.final_report).includes("tidal-power.html"));
  });

  test("a summariser slower than the tool timeout still yields sources: late pages fall back to their text", async () => {
    const restoreTavily = useStandInTavily(standin);
    // Every summary takes far longer than the whole tool call may.
    standin.configure({ units: 2, behaviour: (request) => (request.role === "summary" ? { hangMs: 20_000 } : undefined) });
    try {
      const run = await runGraph(QUESTION, { search_api: "tavily", tool_timeout_seconds: 1 });
      const sources = run.values.sources as { url: string }[];
      assert.ok(sources.length > 0, "the searches kept their sources");
      assert.ok(
        standin.requests().some((r) => r.role === "summary"),
        "summaries were asked for",
      );
      assert.ok(!run.custom.some((e) => (e as { type?: string }).type === "tool_failed"), "no search timed out");
      const listed = listedSources(String(run.values.final_report));
      assert.ok(listed.length > 0, "the report cites what was found");
    } finally {
      restoreTavily();
    }
  });

  test("every citation in the report is a URL the run retrieved", async () => {
    const run = await runGraph(QUESTION, {});
    const report = String(run.values.final_report);
    const retrieved = new Set((run.values.sources as { url: string }[]).map((s) => s.url));
    const listed = listedSources(report);
    assert.ok(listed.length > 0, "the report cites something");
    for (const url of listed) {
      assert.ok(retrieved.has(url), `${url} was retrieved`);
      assert.ok(existsSync(fileURLToPath(url)), `${url} is a real file`);
    }
    const markers = [...report.matchAll(/\[(\d+)\](?!\()/g)].map((m) => Number(m[1]));
    assert.ok(markers.length > 0);
    assert.ok(
      markers.every((n) => n >= 1 && n <= listed.length),
      `markers ${markers} within 1..${listed.length}`,
    );
  });

  test("when compression fails, the raw findings that stand in keep only URLs the run retrieved", async () => {
    const invented = "https://invented.example/tidal-miracle";
    standin.configure({
      units: 1,
      behaviour: (request) => {
        const compression = request.role === "writer" && request.messages[0]?.content.startsWith("You clean up a researcher's notes");
        if (compression) return { status: 400, message: "compression refused" };
        const lastTurn = request.role === "researcher" && request.messages.some((m) => m.role === "tool");
        if (lastTurn) return { content: `Tidal power is well covered [see](${invented}) and also ${invented}/again in my notes.` };
        return undefined;
      },
    });
    const run = await runGraph(QUESTION, {});
    const [findings] = run.values.notes as string[];
    assert.match(findings, /uncompressed: the compression model failed/);
    assert.ok(!findings.includes("invented.example"), `no invented URL in:\n${findings}`);
    const retrieved = (run.values.sources as { url: string }[]).map((s) => s.url);
    assert.ok(retrieved.length > 0 && retrieved.every((url) => findings.includes(url)), "every retrieved source is still there");
  });

  test("a setting that cannot work ends the run with its message, not a report without sources", async () => {
    const saved = process.env.TAVILY_API_KEY;
    delete process.env.TAVILY_API_KEY;
    try {
      await assert.rejects(runGraph(QUESTION, { search_api: "tavily" }), (error: unknown) => {
        assert.ok(rootErrors(error).every((e) => e instanceof ConfigurationError));
        assert.equal(new Set(rootErrors(error).map((e) => (e as Error).message)).size, 1, "one cause, said once");
        assert.match(describeError(error), /^TAVILY_API_KEY is not set/);
        return true;
      });
    } finally {
      if (saved !== undefined) process.env.TAVILY_API_KEY = saved;
    }
  });

  test("a research unit whose model keeps failing is answered with an error; the others' findings are kept", async () => {
    standin.configure({
      units: 2,
      behaviour: (request) => (request.role === "researcher" && request.topic.startsWith("Current") ? { status: 400, message: "bad request" } : undefined),
    });
    const run = await runGraph(QUESTION, {});
    assert.equal((run.values.notes as string[]).length, 1, "one unit's findings");
    const supervisorMessages = run.values.supervisor_messages as { name?: string; status?: string; content: unknown }[];
    const failed = supervisorMessages.filter((m) => m.name === "ConductResearch" && m.status === "error");
    assert.equal(failed.length, 1);
    assert.match(String(failed[0].content), /research unit for "Current.*found nothing.*model failed/);
    assert.match(String(run.values.final_report), /^# /);
  });

  test("an empty or huge question is refused before any model call", async () => {
    await assert.rejects(runGraph("   ", {}), /the question is empty/);
    await assert.rejects(runGraph("x".repeat(20_001), {}), /20001 characters; the limit is 20000/);
    assert.equal(standin.stats().total, 0);
  });

  test("a bad or mistyped setting in configurable is refused, naming the key, before any model call", async () => {
    await assert.rejects(runGraph(QUESTION, { max_concurrent_research_units: "lots" }), /bad value "lots" for "max_concurrent_research_units"/);
    await assert.rejects(runGraph(QUESTION, { max_concurent_research_units: 3 }), /did you mean "max_concurrent_research_units"/);
    assert.equal(standin.stats().total, 0);
  });
});
