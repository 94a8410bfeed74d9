/**
 * @module
 * Validators for the operators' API: Hono's validator middleware (`@hono/standard-validator`) over the valibot
 * schemas, always with our hook. The default refusal would echo the input, and a revocation body holds a live secret,
 * so a refusal names at most the schema's own field names (never a value, never a key the client made up). Each
 * validator also carries its schema for the OpenAPI document, which takes the route's parameters or body from it.
 */
import { sValidator } from "@hono/standard-validator";
import type { MiddlewareHandler } from "hono";
import * as v from "valibot";
import { refuse } from "./errors";
import { documentInput, type InputTarget } from "./openapi/describe-route";

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

/**
 * Validates `target` against `schema`; a refusal names the known fields at fault. Standard Schema's issues are flat,
 * so on failure the input is parsed once more with valibot itself, whose issues keep a union's nested ones.
 */
export function valid<T extends InputTarget, S extends v.GenericSchema>(target: T, schema: S) {
  const known = knownKeys(schema);
  const validator = sValidator(target, schema, (result) => {
    if (result.success) return;
    const parsed = v.safeParse(schema, result.data);
    refuse({ kind: "invalid_input", target, fields: parsed.success ? [] : badFields(parsed.issues, known) });
  });
  return documentInput(validator, target, schema);
}

/**
 * Refuses a body that is not JSON by its Content-Type (415). Hono's validator would read such a body as `{}` and
 * refuse it as invalid, which tells the client less. Put a body limit before it.
 */
export const requireJson: MiddlewareHandler = async (c, next) => {
  if (!/^application\/json\s*(;|$)/i.test(c.req.header("Content-Type") ?? "")) refuse({ kind: "not_json" });
  await next();
};
