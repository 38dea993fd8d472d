import { ConfigurationSchema, type Configuration } from "../../../src/config.js";
import { resetLanes } from "../../../src/limits/limitedFetch.js";
import { configureLimits } from "../../../src/limits/settings.js";
import { responseCache } from "../../../src/limits/cache.js";

/** Fresh lanes and breakers with these settings (retry waits kept short so tests stay fast). */
export function freshLimits(settings: Partial<Record<keyof Configuration, unknown>> = {}): Configuration {
  const configuration = ConfigurationSchema.parse({ retry_initial_delay_ms: 5, cache: false, ...settings });
  resetLanes();
  responseCache.clearMemory();
  responseCache.useStore(undefined);
  configureLimits(configuration);
  return configuration;
}
