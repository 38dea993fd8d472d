import { validate } from "@langchain/langgraph-checkpoint-validation";
import { it } from "vitest";
import initializer from "./postgres.initializer.js";

if (process.env.POSTGRES_URI) validate(initializer);
else it.skip("@langchain/langgraph-checkpoint-postgres conformance (POSTGRES_URI not set)", () => {});
