import { tool } from "@langchain/core/tools";
import { z } from "zod";

/**
 * The supervisor's tools. supervisor_tools answers them itself, so these
 * only describe the calls to the model; invoking them directly is a bug.
 */
function answeredBySupervisorTools(): never {
  throw new Error("answered by supervisor_tools, not invoked directly");
}

export const ConductResearchArgs = z.object({
  research_topic: z.string().min(1).describe("One self-contained topic for a researcher, described in a full paragraph with everything they need"),
});

export const conductResearchTool = tool(answeredBySupervisorTools, {
  name: "ConductResearch",
  description: "Send a researcher to investigate one topic. Several calls in one turn run in parallel. The researcher answers with its findings and sources.",
  schema: ConductResearchArgs,
});
