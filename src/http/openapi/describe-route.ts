/**
 * @module
 * The OpenAPI description a route carries: `describeRoute({...})` in its handler chain, and the schema `valid()`
 * enforces. Both are plain data on the route's handlers; `npm run openapi` (document.ts) reads them off the app and
 * hands them to hono-openapi's `generateSpecs`.
 *
 * Why not hono-openapi's own `describeRoute` and `validator`: its one module imports the schema converters for every
 * library it supports, and bundling even its `uniqueSymbol` alone put over 80 KiB gzip into the Worker. This module
 * imports nothing at run time; the valibot schemas are converted at build time (hand-over.ts).
 */
import type { MiddlewareHandler } from "hono";
import type { DescribeRouteOptions } from "hono-openapi";
import type * as v from "valibot";

/** Where a validator reads its input: Hono's names. */
export type InputTarget = "query" | "param" | "json";

/** A JSON body: described by the valibot schema the Worker enforces or answers with. */
export interface JsonContent {
  "application/json": { schema: v.GenericSchema };
}

/** A response of this route alone. */
export interface ResponseDescription {
  description: string;
  content?: JsonContent;
}

/**
 * The refusals the document describes once, under `components/responses` (document.ts, which must define every
 * name here: its table is typed by this union).
 */
export type SharedResponse =
  | "AlertBodyInvalid"
  | "BadSignature"
  | "SenderOff"
  | "AlertTooLarge"
  | "Unavailable"
  | "BadRequest"
  | "Unauthorized"
  | "NotFound"
  | "TooManyAttempts"
  | "OperatorsUnavailable"
  | "CrossSite";

/** A reference to a shared refusal. */
export interface SharedResponseRef {
  $ref: `#/components/responses/${SharedResponse}`;
}

/** An operation as hono-openapi takes it, with valibot schemas where it takes its `resolver(...)`. */
export interface RouteDescription
  extends Omit<DescribeRouteOptions, "operationId" | "requestBody" | "responses" | "hide"> {
  /** Stable and hand-picked: clients generated from the document name their methods after it. */
  operationId: string;
  summary: string;
  tags: ["alerts" | "operators" | "service"];
  requestBody?: { required: true; description?: string; content: JsonContent };
  responses: Record<number, ResponseDescription | SharedResponseRef>;
}

/** What a handler carries for the document. */
export type RouteDocs =
  | { kind: "route"; description: RouteDescription }
  | { kind: "input"; target: InputTarget; schema: v.GenericSchema };

const DOCS = Symbol("openapi");

/** The description a route handler carries, if any. */
export function docsOf(handler: unknown): RouteDocs | undefined {
  return typeof handler === "function" && DOCS in handler ? (handler[DOCS] as RouteDocs) : undefined;
}

/**
 * Describes the route it is placed in. At run time it only passes the request on; the description is read at build
 * time.
 */
export function describeRoute(description: RouteDescription): MiddlewareHandler {
  const passOn: MiddlewareHandler = async (_c, next) => {
    await next();
  };
  const docs: RouteDocs = { kind: "route", description };
  return Object.assign(passOn, { [DOCS]: docs });
}

/** Marks `middleware` as the validator of `target` by `schema`, so the document takes its parameters or body from it. */
export function documentInput<M extends MiddlewareHandler>(
  middleware: M,
  target: InputTarget,
  schema: v.GenericSchema,
): M {
  const docs: RouteDocs = { kind: "input", target, schema };
  return Object.assign(middleware, { [DOCS]: docs });
}

/** A response with a JSON body. */
export const json = (description: string, schema: v.GenericSchema): ResponseDescription => ({
  description,
  content: { "application/json": { schema } },
});

/** A reference to a refusal the document describes once. */
export const shared = (name: SharedResponse): SharedResponseRef => ({
  $ref: `#/components/responses/${name}`,
});
