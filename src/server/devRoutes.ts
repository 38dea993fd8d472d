import { Hono } from "hono";
import { checkRun, RUN_CREATING_ROUTES } from "./checkRun.js";

/**
 * What langgraph.json's `http.app` adds in front of `langgraph dev`'s (and LangGraph
 * Platform's) own routes: a run with a bad setting or question is refused with 422 before
 * the run is created, instead of being created and failing inside with HTTP 200.
 */
export const app = new Hono();
for (const route of RUN_CREATING_ROUTES) app.post(route, checkRun());
