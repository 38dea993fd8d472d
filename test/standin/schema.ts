/**
 * Stand-in server (a test tool): the smallest valid value for a JSON schema, and
 * fitting known values into a caller's schema so structured output always parses.
 */
import type { JsonSchema } from "./types.js";

const PLACEHOLDER = "standin";

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return schema;
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    node = isSchema(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return isSchema(node) ? node : {};
}

function typeOf(schema: JsonSchema): string | undefined {
  const type = schema.type;
  if (Array.isArray(type)) return type.find((entry) => entry !== "null") ?? "null";
  if (typeof type === "string") return type;
  if (isSchema(schema.properties)) return "object";
  if (isSchema(schema.items)) return "array";
  return undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function minimalNumber(schema: JsonSchema, integer: boolean): number {
  const exclusive = num(schema.exclusiveMinimum);
  let value = num(schema.minimum) ?? (exclusive !== undefined ? exclusive + (integer ? 1 : 0.5) : 0);
  const max = num(schema.maximum) ?? num(schema.exclusiveMaximum);
  if (max !== undefined && value > max) value = max;
  return integer ? Math.ceil(value) : value;
}

function minimalString(schema: JsonSchema): string {
  const format = schema.format;
  if (format === "date-time") return "1970-01-01T00:00:00Z";
  if (format === "date") return "1970-01-01";
  if (format === "email") return "standin@example.com";
  if (format === "uri" || format === "url") return "https://example.com/standin";
  let text = PLACEHOLDER;
  const minLength = num(schema.minLength) ?? 0;
  while (text.length < minLength) text += "x";
  const maxLength = num(schema.maxLength);
  return maxLength !== undefined ? text.slice(0, Math.max(maxLength, minLength)) : text;
}

function minimalObject(schema: JsonSchema, root: JsonSchema): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  const result: Record<string, unknown> = {};
  for (const key of required) {
    if (typeof key === "string") result[key] = minimalFromSchema(isSchema(properties[key]) ? properties[key] : {}, root);
  }
  return result;
}

/** Required fields only; strings non-empty, enums their first value, numbers at their minimum. */
export function minimalFromSchema(input: JsonSchema, root: JsonSchema = input): unknown {
  const schema = resolveRef(input, root);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ("default" in schema) return schema.default;
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches) && branches.length > 0) {
    const branch = branches.filter(isSchema).find((entry) => entry.type !== "null");
    return branch ? minimalFromSchema(branch, root) : null;
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.filter(isSchema).map((part) => minimalFromSchema(part, root)));
  }
  switch (typeOf(schema)) {
    case "object":
      return minimalObject(schema, root);
    case "array": {
      const size = Math.min(Math.max(num(schema.minItems) ?? 0, 1), num(schema.maxItems) ?? Infinity);
      const items = isSchema(schema.items) ? schema.items : {};
      return Array.from({ length: size }, () => minimalFromSchema(items, root));
    }
    case "string":
      return minimalString(schema);
    case "integer":
      return minimalNumber(schema, true);
    case "number":
      return minimalNumber(schema, false);
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return PLACEHOLDER;
  }
}

/** Bends a known value to the schema's shape where a caller chose string vs string[] differently. */
export function fitValue(schema: JsonSchema, value: unknown, root: JsonSchema = schema): unknown {
  const type = typeOf(resolveRef(schema, root));
  if (type === "array" && !Array.isArray(value)) return [value];
  if (type === "string" && Array.isArray(value)) return value.join(" ");
  return value;
}

/**
 * Tool arguments or a structured answer: the schema's minimal object, overridden by known
 * values; keys the schema forbids (additionalProperties false) are dropped.
 */
export function fitArgs(schema: JsonSchema, known: Record<string, unknown>): Record<string, unknown> {
  const base = minimalFromSchema(schema);
  const result: Record<string, unknown> = isSchema(base) ? { ...base } : {};
  const properties = isSchema(schema.properties) ? schema.properties : undefined;
  const closed = schema.additionalProperties === false && properties !== undefined;
  for (const [key, value] of Object.entries(known)) {
    const property = properties?.[key];
    if (isSchema(property)) result[key] = fitValue(property, value, schema);
    else if (!closed) result[key] = value;
  }
  return result;
}

export function propertyNames(schema: JsonSchema): string[] {
  return isSchema(schema.properties) ? Object.keys(schema.properties) : [];
}
