import { END, MessagesValue, START, StateGraph, StateSchema, type BaseCheckpointSaver } from "@langchain/langgraph";
import { AIMessage } from "@langchain/core/messages";

const TwoStepState = new StateSchema({ messages: MessagesValue });

/** Two nodes, so a run leaves input + two step checkpoints behind. */
export function twoStepGraph(saver: BaseCheckpointSaver) {
  return new StateGraph(TwoStepState)
    .addNode("plan", () => ({ messages: [new AIMessage({ id: "m-plan", content: "plan" })] }))
    .addNode("write", () => ({ messages: [new AIMessage({ id: "m-write", content: "write" })] }))
    .addEdge(START, "plan")
    .addEdge("plan", "write")
    .addEdge("write", END)
    .compile({ checkpointer: saver });
}

/** A parent whose node is a compiled subgraph, so checkpoints land in a non-root namespace too. */
export function graphWithSubgraph(saver: BaseCheckpointSaver) {
  const child = new StateGraph(TwoStepState)
    .addNode("inner", () => ({ messages: [new AIMessage({ id: "m-inner", content: "inner" })] }))
    .addEdge(START, "inner")
    .addEdge("inner", END)
    .compile();
  return new StateGraph(TwoStepState).addNode("child", child).addEdge(START, "child").addEdge("child", END).compile({ checkpointer: saver });
}

export const threadConfig = (thread_id: string) => ({ configurable: { thread_id } });

/** A schema name no other run uses; dropped by dropSchema. */
export function uniqueSchema(): string {
  return `fanout_test_${process.pid}_${Date.now().toString(36)}`;
}

export { dropSchema } from "../../support/postgres.js";

/** The same server and credentials as `uri`, with one part swapped (database, user, port). */
export function variantUri(uri: string, change: { database?: string; user?: string; password?: string; port?: number }): string {
  const url = new URL(uri);
  if (change.database !== undefined) url.pathname = `/${change.database}`;
  if (change.user !== undefined) url.username = change.user;
  if (change.password !== undefined) url.password = change.password;
  if (change.port !== undefined) url.port = String(change.port);
  return url.toString();
}

/** Three threads, one of them with subgraph checkpoints, written through `saver`; newest first: nested, b, a. */
export async function writeThreeThreads(saver: BaseCheckpointSaver): Promise<void> {
  const graph = twoStepGraph(saver);
  await graph.invoke({ messages: [] }, threadConfig("a"));
  await graph.invoke({ messages: [] }, threadConfig("b"));
  await graphWithSubgraph(saver).invoke({ messages: [] }, threadConfig("nested"));
}
