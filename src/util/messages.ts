import { type AIMessage, type BaseMessage, type ToolCall, getBufferString } from "@langchain/core/messages";

/** A conversation as plain text for a prompt: "Human: …\nAI: …". */
export function formatConversation(messages: BaseMessage[]): string {
  return getBufferString(messages, "User", "Assistant");
}

/** A message's content as plain text, whatever shape the provider returned. */
export function messageText(message: BaseMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  return content.map((part) => (typeof part === "string" ? part : "text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

/** The tool calls of an AI message (or chunk); none for any other message. */
export function toolCallsOf(message: BaseMessage | undefined): ToolCall[] {
  if (!message || message.getType() !== "ai") return [];
  return (message as AIMessage).tool_calls ?? [];
}
