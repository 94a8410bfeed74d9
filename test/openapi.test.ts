/**
 * The API description: `/openapi.json` is the committed document, the committed document is what the
 * valibot schemas generate today, the document is structurally valid OpenAPI 3.1, and it describes
 * exactly the routes the app registers: nothing missing, nothing invented.
 */
import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { buildOpenApiDocument } from "../src/openapi/document";
import committed from "../src/openapi/openapi.json";
import { captureConsole } from "./support/console";
import { migrate } from "./support/db";

const BASE = "http://autorevoke.test";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

type Json = Record<string, unknown>;
const doc = committed as unknown as Json & { paths: Record<string, Record<string, Json>> };

const app = createApp();
const fetchApp = (request: Request) => exports.default.fetch(request);

// The probes below log rejected requests; keep the output readable.
const logs = captureConsole();
beforeAll(migrate);
afterAll(() => logs.restore());

/** Every operation in the document as [METHOD, path template, operation]. */
function operations(): [string, string, Json][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
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

/** The app's routes (middleware, registered as ALL, left out). */
function registeredRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.method !== "ALL")
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .map((r) => ({ method: r.method, path: r.path }));
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
  it("is what the valibot schemas generate now (else run `npm run openapi`)", () => {
    expect(committed, "src/openapi/openapi.json is stale: run `npm run openapi`").toEqual(
      JSON.parse(JSON.stringify(buildOpenApiDocument())),
    );
  });

  it("is served at /openapi.json, publicly", async () => {
    const res = await fetchApp(new Request(`${BASE}/openapi.json`));
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(committed);
  });

  it("is rendered at /docs as one self-contained page", async () => {
    const res = await fetchApp(new Request(`${BASE}/docs`));
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    for (const [method, path] of operations()) expect(html).toContain(`${method} ${path}`);
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
    for (const [method, path] of operations()) {
      expect(
        routes.some((r) => r.method === method && routeRegex(r.path).test(samplePath(path))),
        `${method} ${path} is documented but not registered`,
      ).toBe(true);
    }
  });

  it.each(operations().map(([method, path]) => [`${method} ${path}`, method, path] as const))(
    "%s answers (without credentials) something other than 404",
    async (_name, method, path) => {
      const res = await fetchApp(
        new Request(`${BASE}${samplePath(path)}`, {
          method,
          headers: { "CF-Connecting-IP": "192.0.2.77" },
          ...(method === "POST" ? { body: "[]" } : {}),
        }),
      );
      expect(res.status).not.toBe(404);
    },
  );
});
