/**
 * @module
 * Build time only: hands the descriptions the app's routes carry (describe-route.ts) to hono-openapi, as its own
 * `describeRoute` and `validator` would have attached them, with every valibot schema wrapped in its `resolver`.
 */
import type { ConversionConfig } from "@valibot/to-json-schema";
import type { Hono } from "hono";
import { Hono as DocsApp } from "hono/tiny";
import { findTargetHandler } from "hono/utils/handler";
import { type DescribeRouteOptions, type ResponsesWithResolver, resolver, uniqueSymbol } from "hono-openapi";
import { docsOf, type JsonContent, type RouteDescription } from "./describe-route";

/** How valibot schemas become JSON Schema; hono-openapi hands it to @valibot/to-json-schema. */
type ConversionOptions = ConversionConfig;

const withResolver = (content: JsonContent, options: ConversionOptions) => ({
  "application/json": { schema: resolver(content["application/json"].schema, { options }) },
});

function toHonoOpenApi(description: RouteDescription, options: ConversionOptions): DescribeRouteOptions {
  const { requestBody, responses, ...operation } = description;
  const converted: ResponsesWithResolver = {};
  for (const [status, response] of Object.entries(responses))
    converted[status] =
      "$ref" in response
        ? response
        : {
            description: response.description,
            ...(response.content ? { content: withResolver(response.content, options) } : {}),
          };
  return {
    ...operation,
    responses: converted,
    ...(requestBody
      ? { requestBody: { ...requestBody, content: withResolver(requestBody.content, options) } }
      : {}),
  };
}

/**
 * A stand-in app for `generateSpecs`: each of `app`'s described handlers, in order, as the middleware hono-openapi
 * would have made. The app's own handlers are left as they are.
 */
// biome-ignore lint/suspicious/noExplicitAny: any app's routes will do; only their paths and handlers are read.
export function describedApp(app: Hono<any, any, any>, options: ConversionOptions): DocsApp {
  const docsApp = new DocsApp();
  for (const route of app.routes) {
    // The console is HTML pages for people, not part of the API; its validators describe nothing here.
    if (route.path.startsWith("/console")) continue;
    const docs = docsOf(findTargetHandler(route.handler));
    if (!docs) continue;
    const spec =
      docs.kind === "route"
        ? { spec: toHonoOpenApi(docs.description, options) }
        : { target: docs.target, ...resolver(docs.schema, { options }) };
    const described = Object.assign(async (_c: unknown, next: () => Promise<void>) => next(), {
      [uniqueSymbol]: spec,
    });
    docsApp.on(route.method, route.path, described);
  }
  return docsApp;
}
