/** Prints the configuration table for the README from the one schema that defines it. */
import { z } from "zod";
import { CONFIGURATION_KEYS, ConfigurationSchema, describeAccepted } from "../src/config.js";

export function configurationTable(): string {
  const defaults = ConfigurationSchema.parse({});
  const rows = CONFIGURATION_KEYS.map((key) => {
    const field = ConfigurationSchema.shape[key] as z.ZodType;
    const value = defaults[key];
    const shown = value === "" ? "(empty)" : String(value);
    return `| \`${key}\` | \`${shown}\` | ${describeAccepted(key)} | ${field.description ?? ""} |`;
  });
  return ["| key | default | accepts | what it does |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(configurationTable());
