/**
 * @module
 * Validators for the operators' API: valibot schemas as Hono middleware with our own refusal. A
 * default validation error would echo the input, and a revocation body holds a live secret, so a
 * refusal names at most the schema's own field names (never a value, never a key the client made up).
 * Written here rather than with `hono/validator`, which would bring cookie and form parsing into the
 * bundle.
 */
import type { MiddlewareHandler } from "hono";
import * as v from "valibot";
import type { AppEnv } from "./app-env";

type Target = "query" | "param" | "json";

const MESSAGES: Record<Target, string> = {
  query: "Invalid query parameters; see /docs.",
  param: "Invalid path parameter; see /docs.",
  json: "Invalid request body; see /docs.",
};

/** Field names the schema defines: the only input-derived text a refusal may carry. */
function knownKeys(schema: v.GenericSchema): Set<string> {
  const keys = new Set<string>();
  const visit = (s: unknown) => {
    if (!s || typeof s !== "object") return;
    if ("entries" in s && s.entries && typeof s.entries === "object")
      for (const key of Object.keys(s.entries)) keys.add(key);
    if ("options" in s && Array.isArray(s.options)) for (const option of s.options) visit(option);
  };
  visit(schema);
  return keys;
}

/** The known top-level fields the issues point at, unions' nested issues included. */
export function badFields(issues: readonly v.BaseIssue<unknown>[], known: ReadonlySet<string>): string[] {
  const fields = new Set<string>();
  const visit = (list: readonly v.BaseIssue<unknown>[]) => {
    for (const issue of list) {
      const key = issue.path?.[0]?.key;
      if (typeof key === "string" && known.has(key)) fields.add(key);
      if (issue.issues) visit(issue.issues);
    }
  };
  visit(issues);
  return [...fields].sort();
}

/** The refusal for a target: generic message plus the known fields at fault. */
export function refusal(target: Target, issues: readonly v.BaseIssue<unknown>[], known: ReadonlySet<string>) {
  const fields = badFields(issues, known);
  return fields.length > 0 ? { error: MESSAGES[target], fields } : { error: MESSAGES[target] };
}

type Validated<T extends Target, S extends v.GenericSchema> = MiddlewareHandler<
  AppEnv,
  string,
  { in: { [K in T]: v.InferInput<S> }; out: { [K in T]: v.InferOutput<S> } }
>;

function valid<T extends "query" | "param", S extends v.GenericSchema>(
  target: T,
  schema: S,
): Validated<T, S> {
  const known = knownKeys(schema);
  return async (c, next) => {
    // A repeated query parameter arrives as an array, which every schema here refuses.
    const value =
      target === "param"
        ? c.req.param()
        : Object.fromEntries(
            Object.entries(c.req.queries()).map(([k, all]) => [k, all.length === 1 ? all[0] : all]),
          );
    const parsed = v.safeParse(schema, value);
    if (!parsed.success) return c.json(refusal(target, parsed.issues, known), 400);
    c.req.addValidatedData(target, parsed.output as object);
    await next();
  };
}

/** Validates the query string. */
export const validQuery = <S extends v.GenericSchema>(schema: S) => valid("query", schema);

/** Validates path parameters. */
export const validParam = <S extends v.GenericSchema>(schema: S) => valid("param", schema);

/** Validates a JSON body; refuses another Content-Type (415). Put a body limit before it. */
export function validJson<S extends v.GenericSchema>(schema: S): Validated<"json", S> {
  const known = knownKeys(schema);
  return async (c, next) => {
    if (!/^application\/json\s*(;|$)/i.test(c.req.header("Content-Type") ?? "")) {
      return c.json({ error: "The body must be JSON (Content-Type: application/json)." }, 415);
    }
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return c.json({ error: MESSAGES.json }, 400);
    }
    const parsed = v.safeParse(schema, body);
    if (!parsed.success) return c.json(refusal("json", parsed.issues, known), 400);
    c.req.addValidatedData("json", parsed.output as object);
    await next();
  };
}
