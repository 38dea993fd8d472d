import { z } from "zod";
import { ConfigurationSchema, type ConfigurationKey } from "./config.js";

/**
 * Every setting as the graph's context schema, which the LangGraph server
 * publishes (`GET /assistants/{id}/schemas`) and Studio draws as the
 * assistant's settings form: type, description and default of each.
 *
 * LangGraph also checks a run's context (or configurable) against this schema
 * before the first step. That check must reject nothing: zod's messages name
 * neither the setting nor the value in words, and the server's own keys sit in
 * configurable too. So each field accepts any value and only describes the
 * setting (its JSON Schema as metadata); readConfiguration judges the values.
 */
export const SettingsContextSchema = z.object(describedOnly(ConfigurationSchema.shape)).loose();

function describedOnly(shape: Record<ConfigurationKey, z.ZodType>): Record<ConfigurationKey, z.ZodType> {
  const defaults = ConfigurationSchema.parse({}) as Record<ConfigurationKey, unknown>;
  const fields = {} as Record<ConfigurationKey, z.ZodType>;
  for (const [key, field] of Object.entries(shape) as [ConfigurationKey, z.ZodType][]) {
    // What a user may type (the input side), with the default the setting takes.
    const { $schema: _, ...json } = z.toJSONSchema(field, { io: "input", unrepresentable: "any" });
    fields[key] = z
      .unknown()
      .optional()
      .meta({ ...json, default: defaults[key] });
  }
  return fields;
}
