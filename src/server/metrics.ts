import { register, type Registry } from "prom-client";

/**
 * The registry /metrics serves. Until Fanout's own metrics registry (lanes,
 * retries, usage) lands, this is prom-client's default registry, where every
 * metric made without an explicit registry goes; swap it for that one then.
 */
export const metricsRegistry: Registry = register;
