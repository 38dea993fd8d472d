import { tool } from "@langchain/core/tools";
import { z } from "zod";

/**
 * A pause to reason between steps. Its answer is just an acknowledgement:
 * the value is in the model writing the reflection down.
 */
export const thinkTool = tool(async ({ reflection }) => `Reflection noted: ${reflection}`, {
  name: "think_tool",
  description: "Write down a short reflection: what you have learned, what is still missing, and what to do next. Use it between searches or research rounds.",
  schema: z.object({
    reflection: z.string().describe("What you found, what is missing, and your next step"),
  }),
});
