/**
 * Lets @langchain/langgraph-checkpoint-validation's spec run under node:test.
 *
 * The suite is written for Vitest with `globals: true`: it calls describe / it / it.each /
 * describe.each / beforeAll / afterAll / beforeEach / afterEach and a small part of `expect`
 * (toEqual, toBe, toBeUndefined, toBeDefined, toBeTruthy, not.*, rejects.toThrow, expect.soft,
 * expect.arrayContaining). This file maps those onto node:test and node:assert. `toEqual` follows
 * Vitest's rules: recursive, undefined-valued properties ignored, prototypes not compared.
 * `expect.soft` fails the test at once instead of at its end (stricter, never looser).
 */
import assert from "node:assert/strict";
import { format, inspect } from "node:util";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";

type Fn = (...args: unknown[]) => unknown;
type Row = unknown;

interface AsymmetricMatcher {
  asymmetricMatch(other: unknown): boolean;
}

function isAsymmetric(value: unknown): value is AsymmetricMatcher {
  return typeof value === "object" && value !== null && typeof (value as AsymmetricMatcher).asymmetricMatch === "function";
}

/** Vitest's toEqual equality, reduced to the value kinds checkpoint tuples contain. */
export function equals(a: unknown, b: unknown): boolean {
  if (isAsymmetric(b)) return b.asymmetricMatch(a);
  if (isAsymmetric(a)) return a.asymmetricMatch(b);
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const kind = Object.prototype.toString.call(a);
  if (kind !== Object.prototype.toString.call(b)) return false;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const left = a as unknown as ArrayLike<unknown>;
    const right = b as unknown as ArrayLike<unknown>;
    if (left.length !== right.length) return false;
    for (let i = 0; i < left.length; i += 1) if (!equals(left[i], right[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    const other = b as Map<unknown, unknown>;
    return a.size === other.size && [...a].every(([k, v]) => other.has(k) && equals(v, other.get(k)));
  }
  if (a instanceof Set) {
    const other = [...(b as Set<unknown>)];
    return a.size === other.length && [...a].every((v) => other.some((o) => equals(v, o)));
  }
  const defined = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const keysA = defined(a);
  const keysB = defined(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.hasOwn(b, k) && equals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function check(pass: boolean, negate: boolean, matcher: string, actual: unknown, ...expected: [unknown?]): void {
  if (pass !== negate) return;
  const shown = expected.length > 0 ? ` ${inspect(expected[0], { depth: 6 })}` : "";
  throw new assert.AssertionError({
    message: `expected ${inspect(actual, { depth: 6 })} ${negate ? "not " : ""}${matcher}${shown}`,
    actual,
    expected: expected[0],
    operator: matcher,
  });
}

function matchers(actual: unknown, negate: boolean) {
  return {
    toEqual: (expected: unknown) => check(equals(actual, expected), negate, "toEqual", actual, expected),
    toBe: (expected: unknown) => check(Object.is(actual, expected), negate, "toBe", actual, expected),
    toBeUndefined: () => check(actual === undefined, negate, "toBeUndefined", actual),
    toBeDefined: () => check(actual !== undefined, negate, "toBeDefined", actual),
    toBeTruthy: () => check(Boolean(actual), negate, "toBeTruthy", actual),
  };
}

function expect(actual: unknown) {
  return {
    ...matchers(actual, false),
    not: matchers(actual, true),
    rejects: {
      // Like Vitest, a function is called and its promise awaited; any rejection satisfies toThrow().
      toThrow: async () => {
        const outcome = typeof actual === "function" ? (actual as Fn)() : actual;
        await assert.rejects(Promise.resolve(outcome));
      },
    },
  };
}
expect.soft = expect;
expect.arrayContaining = (items: unknown[]): AsymmetricMatcher => ({
  asymmetricMatch: (other) => Array.isArray(other) && items.every((item) => other.some((o) => equals(item, o))),
});

/** "$key" in a title is replaced by that field of an object row, "%s" by printf rules. */
function title(template: string, row: Row): string {
  if (typeof row === "object" && row !== null && template.includes("$")) {
    return template.replace(/\$([A-Za-z_]\w*)/g, (_, key: string) => String((row as Record<string, unknown>)[key]));
  }
  return format(template, ...(Array.isArray(row) ? row : [row]));
}

const options = (timeout: unknown) => (typeof timeout === "number" ? { timeout } : {});

function vitestIt(name: string, fn?: Fn, timeout?: number): void {
  it(name, options(timeout), fn ? () => fn() as Promise<void> : undefined);
}
vitestIt.skip = function skip(name: string, fn?: Fn, timeout?: number): void {
  it(name, { ...options(timeout), skip: true }, fn ? () => fn() as Promise<void> : undefined);
};
vitestIt.each = (rows: Row[]) => (template: string, fn: Fn, timeout?: number) => {
  for (const row of rows) it(title(template, row), options(timeout), () => fn(...(Array.isArray(row) ? row : [row])) as Promise<void>);
};

function vitestDescribe(name: string, fn: () => void): void {
  describe(name, fn);
}
vitestDescribe.each = (rows: Row[]) => (template: string, fn: Fn) => {
  for (const row of rows) describe(title(template, row), () => void fn(...(Array.isArray(row) ? row : [row])));
};

const hook = (register: typeof before) => (fn: Fn, timeout?: number) => register(() => fn() as Promise<void>, options(timeout));

/** Installs the globals; call before importing the suite. */
export function installVitestGlobals(): void {
  Object.assign(globalThis, {
    describe: vitestDescribe,
    it: vitestIt,
    test: vitestIt,
    expect,
    beforeAll: hook(before),
    afterAll: hook(after),
    beforeEach: hook(beforeEach),
    afterEach: hook(afterEach),
  });
}
