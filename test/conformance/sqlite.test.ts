import { validate } from "@langchain/langgraph-checkpoint-validation";
import initializer from "./sqlite.initializer.js";

validate(initializer);
