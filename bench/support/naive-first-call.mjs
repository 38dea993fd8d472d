// The start-up baseline for bench resume: a plain script that loads the OpenAI client from
// node_modules and makes one chat call, the least a program must do before its first model call.
// OPENAI_BASE_URL points it at the stand-in.
import { ChatOpenAI } from "@langchain/openai";

const model = new ChatOpenAI({ model: "gpt-4.1", configuration: { baseURL: process.env.OPENAI_BASE_URL }, useResponsesApi: false, maxRetries: 0 });
await model.invoke(process.argv[2] ?? "How does tidal power generate electricity?");
