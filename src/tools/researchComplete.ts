import { tool } from "@langchain/core/tools";
import { z } from "zod";

/** A signal, not an action: the tools node that sees it ends the loop it belongs to. */
export const researchCompleteTool = tool(async () => "Research marked complete.", {
  name: "ResearchComplete",
  description: "Say that your research is complete. Call it alone, once you have what you need.",
  schema: z.object({}),
});
