import { register, Registry } from "prom-client";
import { metricsRegistry as fanoutRegistry } from "../limits/metrics.js";

/**
 * prom-client's default registry: where the server collects the process's default metrics
 * (memory, CPU, event loop) and where any metric made without an explicit registry goes.
 */
export const metricsRegistry: Registry = register;

/** What /metrics serves: the default registry and Fanout's own (lanes, requests, retries, usage). */
export function servedRegistry(): Registry {
  return Registry.merge([register, fanoutRegistry]);
}
