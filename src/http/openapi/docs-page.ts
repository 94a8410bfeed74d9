/**
 * @module
 * Renders the OpenAPI document as one self-contained HTML page: no script, no outside resource, so it
 * works offline and under a strict Content-Security-Policy. Every value is HTML-escaped.
 */

type Media = Record<string, { schema?: unknown }>;
/** A body or response, inline or a reference to a shared one in `components`. */
interface Part {
  $ref?: string;
  description?: string;
  content?: Media;
  headers?: Record<string, { description?: string; example?: unknown }>;
}

/** A parameter; the generated document writes them inline, so a `$ref` one shows only its reference. */
interface Parameter {
  $ref?: string;
  name?: string;
  in?: string;
  required?: boolean;
  description?: string;
  schema?: unknown;
}

interface Operation {
  summary?: string;
  description?: string;
  security?: readonly unknown[];
  parameters?: readonly Parameter[];
  requestBody?: Part;
  responses?: Record<string, Part>;
}

/** The methods an OpenAPI path item may describe, in the order the page lists them. */
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

interface Components {
  schemas?: Record<string, unknown>;
  responses?: Record<string, unknown>;
  requestBodies?: Record<string, unknown>;
}

/** The parts of an OpenAPI document the page shows. */
export interface DocsInput {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>> | undefined>;
  components?: Components;
}

const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A schema: a link when it is a reference, else its JSON. */
function schema(value: unknown): string {
  if (value && typeof value === "object" && "$ref" in value && typeof value.$ref === "string") {
    const name = value.$ref.split("/").pop() ?? "";
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  return `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`;
}

/** A part with its `#/components/<kind>/<name>` reference, if any, filled in. */
function resolve(doc: DocsInput, part: Part): Part {
  const [, , kind, name] = part.$ref?.split("/") ?? [];
  const shared =
    (kind === "responses" || kind === "requestBodies") && name ? doc.components?.[kind]?.[name] : undefined;
  return { ...(shared && typeof shared === "object" ? shared : {}), ...part };
}

function content(part: Part): string {
  return Object.entries(part.content ?? {})
    .map(
      ([type, media]) => `<div><code>${esc(type)}</code> ${media.schema ? schema(media.schema) : ""}</div>`,
    )
    .join("");
}

/** A response's headers: name, meaning and an example. */
function headers(part: Part): string {
  return Object.entries(part.headers ?? {})
    .map(
      ([name, h]) =>
        `<div>header <code>${esc(name)}</code> ${esc(h.description ?? "")}${h.example === undefined ? "" : `, e.g. <code>${esc(h.example)}</code>`}</div>`,
    )
    .join("");
}

function operation(doc: DocsInput, method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name ?? p.$ref)}</code></td><td>${esc(p.in ?? "")}${p.required ? ", required" : ""}</td><td>${esc(p.description ?? "")}</td><td>${schema(p.schema)}</td></tr>`,
    )
    .join("");
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const part = resolve(doc, r);
      return `<li><b>${esc(status)}</b> ${esc(part.description ?? "")} ${headers(part)}${content(part)}</li>`;
    })
    .join("");
  return [
    `<section><h2><code>${esc(method.toUpperCase())} ${esc(path)}</code></h2>`,
    `<p><b>${esc(op.summary ?? "")}</b>${op.security ? " · bearer ADMIN_TOKEN" : ""}</p>`,
    op.description ? `<p>${esc(op.description)}</p>` : "",
    params ? `<h3>Parameters</h3><table>${params}</table>` : "",
    op.requestBody ? `<h3>Body</h3>${content(resolve(doc, op.requestBody))}` : "",
    `<h3>Responses</h3><ul>${responses}</ul></section>`,
  ].join("");
}

/** The page. */
export function renderDocsPage(doc: DocsInput): string {
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const op = item?.[method];
      return op ? [operation(doc, method, path, op)] : [];
    }),
  );
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(
    ([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schema(s)}</section>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(doc.info.title)} API</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:13px}table{border-collapse:collapse}td{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}</style></head><body><h1>${esc(doc.info.title)} <small>v${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description ?? "")}</p><p><a href="/openapi.json">openapi.json</a></p>${ops.join("")}<h2>Schemas</h2>${schemas.join("")}</body></html>`;
}
