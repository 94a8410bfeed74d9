/**
 * The API description: `/openapi.json` is the committed document, the committed document is what hono-openapi
 * generates today from the routes' descriptions and validators, the document is structurally valid OpenAPI 3.1, and
 * it describes exactly the routes the app registers: nothing missing, nothing invented, every parameter and body
 * taken from the route's validator, every answer one the route documents.
 */
import { exports } from "cloudflare:workers";
import { findTargetHandler } from "hono/utils/handler";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import headersFile from "../public/_headers?raw";
import committedDocs from "../public/docs.html?raw";
import committed from "../public/openapi.json";
import { SENDER_NAMES } from "../src/domain/senders";
import { createApp } from "../src/http/app";
import { docsOf, type RouteDocs } from "../src/http/openapi/describe-route";
import { renderDocsPage } from "../src/http/openapi/docs-page";
import { buildOpenApiDocument } from "../src/http/openapi/document";
import { ErrorSchema, HealthSchema } from "../src/http/responses";
import { consoleLogger } from "../src/lib/log";
import { err } from "../src/lib/result";
import { captureConsole } from "./support/console";
import { migrate } from "./support/db";

const BASE = "http://autorevoke.test";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

type Json = Record<string, unknown>;
const doc = committed as unknown as Json & { paths: Record<string, Record<string, Json>> };

// Only the routes are read: no request reaches the app built here.
const app = createApp(() => err("unused"), consoleLogger);
const fetchApp = (request: Request) => exports.default.fetch(request);

// The probes below log rejected requests; keep the output readable.
const logs = captureConsole();
beforeAll(migrate);
afterAll(() => logs.restore());

/**
 * Served by Workers Static Assets from public/, before the Worker runs (the vitest runtime serves no
 * assets; the end-to-end tests fetch them from `wrangler dev`).
 */
const STATIC_FILES: Record<string, string> = { "/openapi.json": "openapi.json", "/docs": "docs.html" };

/** Every operation in the document as [METHOD, path template, operation]; with `workerOnly`, none of the static files. */
function operations(workerOnly = false): [string, string, Json][] {
  return Object.entries(doc.paths)
    .filter(([path]) => !(workerOnly && path in STATIC_FILES))
    .flatMap(([path, item]) =>
      METHODS.filter((m) => m in item).map((m): [string, string, Json] => [
        m.toUpperCase(),
        path,
        item[m] as Json,
      ]),
    );
}

/** A concrete path for a template: `{token_hash}` becomes a well-formed hash. */
const samplePath = (template: string) => template.replaceAll(/\{[^}]+\}/g, "0".repeat(64));

/** A Hono route path as a regex over concrete paths. */
const routeRegex = (path: string) =>
  new RegExp(
    `^${path.replaceAll(/[.*+?^$()|[\]\\]/g, "\\$&").replaceAll(/:[A-Za-z_]+(\{[^}]*\})?/g, "[^/]+")}$`,
  );

/** The app's API routes (middleware, registered as ALL, left out; so is the console: HTML pages, not the API). */
function registeredRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.method !== "ALL")
    .filter((r) => !r.path.startsWith("/console"))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ method: r.method, path: r.path }));
}

/** The app's routes (middleware left out) with what their handlers carry for the document. */
function describedRoutes(): { method: string; path: string; docs: RouteDocs[] }[] {
  return registeredRoutes().map(({ method, path }) => ({
    method,
    path,
    docs: app.routes
      .filter((r) => r.method === method && r.path === path)
      .flatMap((r) => docsOf(findTargetHandler(r.handler)) ?? []),
  }));
}

/** The documented operation for a Hono route path, e.g. `/v1/incidents/:token_hash`. */
function operationFor(method: string, path: string): Json | undefined {
  const template = path.replaceAll(/:([A-Za-z_]+)/g, "{$1}");
  return doc.paths[template]?.[method.toLowerCase()];
}

/** Resolves a local `$ref` like `#/components/schemas/Name`; `undefined` if it points nowhere. */
function resolveRef(ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>(
      (node, key) => (node && typeof node === "object" ? (node as Json)[key] : undefined),
      doc,
    );
}

function allRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) allRefs(item, out);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") out.push(value);
      else allRefs(value, out);
    }
  }
  return out;
}

describe("the committed document", () => {
  it("is what the routes generate now (else run `npm run openapi`)", async () => {
    expect(committed, "public/openapi.json is stale: run `npm run openapi`").toEqual(
      JSON.parse(JSON.stringify(await buildOpenApiDocument())),
    );
  });

  it("has a docs page rendered from it now (else run `npm run openapi`)", async () => {
    expect(committedDocs.trim(), "public/docs.html is stale: run `npm run openapi`").toBe(
      renderDocsPage(await buildOpenApiDocument()).trim(),
    );
  });

  it("documents its own static files, /openapi.json and /docs", () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(Object.keys(STATIC_FILES)));
  });

  it("has a self-contained docs page that lists every operation", () => {
    expect(committedDocs).not.toMatch(/<script|<link|src=|@import|url\(/i);
    for (const [method, path] of operations()) expect(committedDocs).toContain(`${method} ${path}`);
  });

  it("has a strict Content-Security-Policy for the docs page in public/_headers", () => {
    expect(headersFile).toMatch(/^\/docs\n\s+Content-Security-Policy: default-src 'none'/m);
  });
});

describe("the document is valid OpenAPI 3.1", () => {
  it("declares version 3.1.x with a title and version", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it("gives every operation a unique operationId and at least one response, each described", () => {
    const ids = new Set<string>();
    for (const [method, path, op] of operations()) {
      const where = `${method} ${path}`;
      expect(typeof op.operationId, where).toBe("string");
      expect(ids.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
      ids.add(op.operationId as string);
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>);
      expect(responses.length, where).toBeGreaterThan(0);
      for (const [status, response] of responses) {
        expect(status, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        const resolved = (response.$ref ? resolveRef(response.$ref as string) : response) as Json | undefined;
        expect(typeof resolved?.description, `${where} ${status}`).toBe("string");
      }
    }
  });

  it("declares every path template parameter as a required path parameter", () => {
    for (const [method, path, op] of operations()) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = ((op.parameters ?? []) as Json[]).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), `${method} ${path}`).toEqual(names.sort());
      for (const p of declared) expect(p.required, `${method} ${path} ${p.name}`).toBe(true);
    }
  });

  it("resolves every $ref, and names only declared security schemes", () => {
    for (const ref of allRefs(doc)) expect(resolveRef(ref), ref).toBeDefined();
    const schemes = Object.keys(((doc.components as Json).securitySchemes ?? {}) as Json);
    for (const [, , op] of operations())
      for (const requirement of (op.security ?? []) as Json[])
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
  });
});

describe("the document matches the routes", () => {
  it("documents every route the app registers", () => {
    const documented = operations().map(([method, path]) => ({ method, sample: samplePath(path) }));
    for (const route of registeredRoutes()) {
      const regex = routeRegex(route.path);
      expect(
        documented.some((d) => d.method === route.method && regex.test(d.sample)),
        `${route.method} ${route.path} is not documented`,
      ).toBe(true);
    }
  });

  it("registers every documented operation", () => {
    const routes = registeredRoutes();
    for (const [method, path] of operations(true)) {
      expect(
        routes.some((r) => r.method === method && routeRegex(r.path).test(samplePath(path))),
        `${method} ${path} is documented but not registered`,
      ).toBe(true);
    }
  });

  it("describes each route with the route's own describeRoute, once", () => {
    for (const { method, path, docs } of describedRoutes()) {
      // The alert routes' fallback for names that are not senders is refused, and rightly undocumented.
      if (path === "/v1/alerts/:sender") continue;
      expect(
        docs.filter((d) => d.kind === "route"),
        `${method} ${path}`,
      ).toHaveLength(1);
      expect(operationFor(method, path), `${method} ${path}`).toBeDefined();
    }
  });

  it("leaves undocumented only the refusal of alert senders it does not know", async () => {
    const res = await fetchApp(new Request(`${BASE}/v1/alerts/nobody`, { method: "POST", body: "[]" }));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "No such sender, or it is not configured." });
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/v1/alerts/"))).toEqual(
      SENDER_NAMES.map((sender) => `/v1/alerts/${sender}`),
    );
  });

  it("takes each validated route's parameters or body from its validator, and documents its 400", () => {
    const validated = describedRoutes().flatMap(({ method, path, docs }) =>
      docs.flatMap((d) => (d.kind === "input" ? [{ method, path, input: d }] : [])),
    );
    expect(validated.length).toBeGreaterThan(0);
    for (const { method, path, input } of validated) {
      const where = `${method} ${path} (${input.target})`;
      const op = operationFor(method, path) ?? {};
      expect((op.responses ?? {}) as Json, where).toHaveProperty("400");
      if (input.target === "json") {
        const body = (op.requestBody ?? {}) as { required?: boolean; content?: Record<string, Json> };
        expect(body.required, where).toBe(true);
        expect(body.content?.["application/json"]?.schema, where).toBeDefined();
      } else {
        const location = input.target === "param" ? "path" : "query";
        const documented = ((op.parameters ?? []) as Json[])
          .filter((p) => p.in === location)
          .map((p) => p.name);
        const entries = "entries" in input.schema ? Object.keys(input.schema.entries as object) : [];
        expect(documented.sort(), where).toEqual(entries.sort());
      }
    }
  });

  it.each(operations(true).map(([method, path, op]) => [`${method} ${path}`, method, path, op] as const))(
    "%s answers (without credentials) a status it documents, with a body its schema parses",
    async (_name, method, path, op) => {
      const res = await fetchApp(
        new Request(`${BASE}${samplePath(path)}`, {
          method,
          headers: { "CF-Connecting-IP": "192.0.2.77" },
          ...(method === "POST" ? { body: "[]" } : {}),
        }),
      );
      expect(res.status).not.toBe(404);
      expect(Object.keys(op.responses as Json)).toContain(String(res.status));
      const body = await res.json();
      // Only /health answers a request that carries neither credentials nor a signature.
      const schema = path === "/health" ? HealthSchema : ErrorSchema;
      expect(v.safeParse(schema, body).success, JSON.stringify(body)).toBe(true);
    },
  );
});
