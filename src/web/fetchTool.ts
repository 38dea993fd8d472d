import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod";
import type { Configuration } from "../config.js";
import type { Source } from "../state.js";
import { summarisePage, summaryDeadline } from "../search/summarise.js";
import { fetchPage } from "./fetchPage.js";

export const FETCH_URL_TOOL = "fetch_url";

/** Share of tool_timeout_seconds the download may take; the rest is for the summary. */
const FETCH_SHARE = 0.5;

const FetchArgs = z.object({
  url: z.string().min(1).describe("The http(s) address of the page, e.g. one a search returned"),
});

/**
 * The researcher's fetch_url tool: reads one page (HTML, text or PDF) in full
 * and answers with its summary, like a search result; the page becomes a
 * source the report may cite. A page it cannot read is an error message
 * saying why, and the research goes on.
 */
export function createFetchUrlTool(configuration: Configuration): StructuredToolInterface {
  return tool(
    async ({ url }, runConfig) => {
      const deadline = summaryDeadline(configuration);
      const page = await fetchPage(url, {
        allowPrivateNetwork: configuration.allow_private_network,
        maxBytes: configuration.max_fetch_bytes,
        timeoutMs: configuration.tool_timeout_seconds * 1000 * FETCH_SHARE,
        signal: runConfig?.signal,
      });
      if (!page.text) throw new Error(`${page.url} has no readable text`);
      const summary = await summarisePage(page.text, configuration, runConfig?.signal, deadline);
      const source: Source = { url: page.url, title: page.title };
      return [`--- Page: ${page.title}\nURL: ${page.url}\n\n${summary}`, [source]];
    },
    {
      name: FETCH_URL_TOOL,
      description: "Read one web page (HTML, plain text or PDF) in full, e.g. a promising search result. Answers with a summary of the page and key excerpts.",
      schema: FetchArgs,
      responseFormat: "content_and_artifact",
    },
  );
}
