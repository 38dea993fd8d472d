import initializer from "./postgres.initializer.js";
import { registerConformance } from "./run.js";

await registerConformance(initializer, process.env.POSTGRES_URI ? undefined : "POSTGRES_URI not set");
