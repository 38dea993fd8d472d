import initializer from "./sqlite.initializer.js";
import { registerConformance } from "./run.js";

await registerConformance(initializer);
