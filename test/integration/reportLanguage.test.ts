import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { StandIn } from "../standin/server.js";
import type { ParsedRequest } from "../standin/types.js";
import { runGraph, sharedStandIn } from "../support/harness.js";

const GERMAN = "Wie erzeugen Gezeitenkraftwerke Strom?";

describe("the report's language", () => {
  const current = sharedStandIn({ units: 1 });
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
  });

  /** The prompt the report writer was sent. */
  async function reportPromptFor(question: string, settings: Record<string, unknown>): Promise<string> {
    const seen: ParsedRequest[] = [];
    standin.configure({ behaviour: (request) => void seen.push(request) });
    await runGraph(question, settings);
    const report = seen.find((request) => request.role === "writer" && request.topic.startsWith("You write the final report"));
    assert.ok(report, "the report was written");
    return report.topic;
  }

  test("is the question's, which the writer is shown, whatever language the brief is in", async () => {
    const prompt = await reportPromptFor(GERMAN, {});
    assert.match(prompt, /in the language of the user's question \("Wie erzeugen Gezeitenkraftwerke Strom\?"\)/);
  });

  test("is report_language when set", async () => {
    const prompt = await reportPromptFor(GERMAN, { report_language: "English" });
    assert.match(prompt, /Write the whole report, headings included, in English\./);
    assert.doesNotMatch(prompt, /language of the user's question/);
  });
});
