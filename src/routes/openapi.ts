/**
 * @module
 * `GET /openapi.json` and `GET /docs`: the API description and a page rendered from it. Public, like
 * the description of any webhook. The document is generated at build time from the valibot schemas
 * (src/openapi/document.ts) into a JSON module, so no generator ships in the Worker.
 */
import { Hono } from "hono";
import { renderDocsPage } from "../openapi/docs-page";
import document from "../openapi/openapi.json";

/** Cacheable for an hour: the document changes only with a deploy. */
const CACHE_CONTROL = "public, max-age=3600";
/** The page needs no script and no outside resource. */
const DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

let json: string | undefined;
let html: string | undefined;

/** Documentation routes, mounted at `/`. */
export const openApiRoutes = new Hono()
  .get("/openapi.json", (c) => {
    json ??= JSON.stringify(document);
    return c.body(json, 200, { "Content-Type": "application/json", "Cache-Control": CACHE_CONTROL });
  })
  .get("/docs", (c) => {
    html ??= renderDocsPage(document);
    return c.body(html, 200, {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": CACHE_CONTROL,
      "Content-Security-Policy": DOCS_CSP,
    });
  });
