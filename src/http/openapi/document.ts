/**
 * @module
 * Builds the OpenAPI 3.1 document from the valibot schemas the Worker enforces (request schemas in
 * input mode: what a client sends). Build-time only: `npm run openapi` (src/http/openapi/write.ts and
 * write-docs.ts) writes public/openapi.json and public/docs.html, which Workers Static Assets serve
 * before the Worker runs; test/openapi.test.ts fails when either is stale.
 */
import {
  type ConversionConfig,
  type JsonSchema,
  toJsonSchema,
  toJsonSchemaDefs,
} from "@valibot/to-json-schema";
import * as v from "valibot";
import { MatchSchema } from "../../domain/alert-body";
import { ADMIN_AUTH_RETRY_AFTER_SECONDS } from "../admin-auth";
import { ADMIN_REALM } from "../errors";
import { IncidentListQuerySchema, RevocationRequestSchema, TokenHashParamSchema } from "../requests";
import {
  AttemptSchema,
  ErrorSchema,
  IncidentDetailSchema,
  IncidentItemSchema,
  IncidentPageSchema,
  RetryResultSchema,
  RevocationResultSchema,
  SightingSchema,
} from "../responses";
import { ALERT_BODY_LIMIT_BYTES } from "../routes/alerts";
import { REVOCATION_BODY_LIMIT_BYTES } from "../routes/revocations";

/** `POST /v1/alerts/{sender}` answers: a label for every token whose label is known. */
export const FeedbackSchema = v.array(
  v.object({
    token_hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
    token_type: v.pipe(v.string(), v.description("the match's type, as sent")),
    label: v.picklist(["true_positive", "false_positive"]),
  }),
);

/** An alert body: a non-empty array of matches. Each match is validated on its own. */
export const AlertBodySchema = v.pipe(v.array(MatchSchema), v.minLength(1));

const HealthSchema = v.object({ status: v.literal("ok") });

/** Named schemas, referenced as `#/components/schemas/<name>`. */
const SCHEMAS = {
  Error: ErrorSchema,
  Match: MatchSchema,
  AlertBody: AlertBodySchema,
  Feedback: FeedbackSchema,
  IncidentItem: IncidentItemSchema,
  IncidentPage: IncidentPageSchema,
  Sighting: SightingSchema,
  Attempt: AttemptSchema,
  IncidentDetail: IncidentDetailSchema,
  RevocationRequest: RevocationRequestSchema,
  RevocationResult: RevocationResultSchema,
  RetryResult: RetryResultSchema,
};

const CONVERSION: Omit<ConversionConfig, "definitions"> = {
  target: "draft-2020-12",
  typeMode: "input",
  // Normalisations do not change what a client may send; `check` holds code (e.g. the Clerk secret
  // shape) whose meaning is in the field's description.
  ignoreActions: ["check", "trim", "to_lower_case"],
  overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
};

/** A JSON Schema without the keys that only make sense in a standalone document. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $defs: _d, ...rest } = schema as JsonSchema & { $defs?: unknown };
  return rest;
}

const schemaOf = (schema: v.GenericSchema) =>
  embedded(toJsonSchema(schema, { ...CONVERSION, definitions: SCHEMAS }));
const ref = (name: keyof typeof SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ "application/json": { schema } });
const answer = (description: string, schema: object = ref("Error")) => ({
  description,
  content: json(schema),
});

/** One parameter per property of an object schema, its description lifted to the parameter. */
function parameters(location: "query" | "path", schema: v.GenericSchema) {
  const converted = schemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(converted.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as JsonSchema & { description?: string };
    return {
      name,
      in: location,
      required: location === "path" || (converted.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function header(name: string, description: string) {
  return { name, in: "header", required: true, description, schema: { type: "string" } };
}

const ADMIN = {
  security: [{ adminToken: [] }],
  tags: ["operators"],
};

const ADMIN_ERRORS = {
  "401": { $ref: "#/components/responses/Unauthorized" },
  "404": { $ref: "#/components/responses/NotFound" },
  "429": { $ref: "#/components/responses/TooManyAttempts" },
};

interface AlertSender {
  name: string;
  title: string;
  headers: [string, string][];
  note?: string;
}

const ECDSA = (prefix: string): [string, string][] => [
  [`${prefix}-Public-Key-Identifier`, "id of the sender's public key that signed the body"],
  [`${prefix}-Public-Key-Signature`, "base64 ECDSA P-256 SHA-256 signature over the raw body"],
];

const SENDERS: AlertSender[] = [
  { name: "github", title: "GitHub secret scanning", headers: ECDSA("Github") },
  {
    name: "gitlab",
    title: "GitLab secret detection",
    headers: ECDSA("Gitlab"),
    note: "Answers 404 until GITLAB_KEYS_URL is set.",
  },
  {
    name: "depsdev",
    title: "deps.dev",
    headers: ECDSA("DepsDev"),
    note: "Header names are configurable (DEPSDEV_IDENTIFIER_HEADER, DEPSDEV_SIGNATURE_HEADER); defaults shown.",
  },
  {
    name: "generic",
    title: "in-house scanners (Standard Webhooks)",
    headers: [
      ["webhook-id", "unique message id"],
      ["webhook-timestamp", "seconds since the epoch; stale timestamps are refused"],
      ["webhook-signature", "v1,<base64 HMAC-SHA256> signatures, space-separated"],
    ],
    note: "Answers 404 until INBOUND_WEBHOOK_SECRET is set.",
  },
];

const shared = (name: string) => ({ $ref: `#/components/responses/${name}` });

function alertOperation(sender: AlertSender) {
  return {
    post: {
      tags: ["alerts"],
      operationId: `alert_${sender.name}`,
      summary: `Leak alert from ${sender.title}`,
      ...(sender.note ? { description: sender.note } : {}),
      parameters: sender.headers.map(([name, description]) => header(name, description)),
      requestBody: { $ref: "#/components/requestBodies/Alert" },
      responses: {
        "200": answer("A label for every token whose outcome is known", ref("Feedback")),
        "400": shared("AlertBodyInvalid"),
        "401": shared("BadSignature"),
        "404": shared("SenderOff"),
        "413": shared("AlertTooLarge"),
        "503": shared("Unavailable"),
      },
    },
  };
}

const tokenHashParameter = parameters("path", TokenHashParamSchema);

/** The whole document. Deterministic: the same schemas give the same JSON. */
export function buildOpenApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "autorevoke",
      version: "1",
      description:
        "Receives secret-scanning leak alerts and revokes leaked Clerk API keys. Operators' routes need `Authorization: Bearer <ADMIN_TOKEN>`; with ADMIN_TOKEN unset they answer 404. No response ever contains a secret.",
    },
    tags: [
      {
        name: "alerts",
        description:
          "Signed leak alerts. The signature is checked over the raw body first; each match is validated on its own and invalid ones are skipped; live Clerk keys are revoked inline or queued.",
      },
      { name: "operators", description: "The incident log and manual revocation" },
      { name: "service", description: "Health and documentation" },
    ],
    paths: {
      "/health": {
        get: {
          tags: ["service"],
          operationId: "health",
          summary: "Liveness",
          responses: { "200": answer("The Worker is up", schemaOf(HealthSchema)) },
        },
      },
      "/openapi.json": {
        get: {
          tags: ["service"],
          operationId: "openapi",
          summary: "This document",
          responses: { "200": answer("OpenAPI 3.1 document", { type: "object" }) },
        },
      },
      "/docs": {
        get: {
          tags: ["service"],
          operationId: "docs",
          summary: "This document as a web page",
          responses: {
            "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } },
          },
        },
      },
      ...Object.fromEntries(SENDERS.map((s) => [`/v1/alerts/${s.name}`, alertOperation(s)])),
      "/v1/incidents": {
        get: {
          ...ADMIN,
          operationId: "list_incidents",
          summary: "List incidents, newest first",
          description: "Filters combine with AND. Follow `next_cursor` for the next page.",
          parameters: parameters("query", IncidentListQuerySchema),
          responses: {
            "200": answer("A page of incidents", ref("IncidentPage")),
            "400": { $ref: "#/components/responses/BadRequest" },
            ...ADMIN_ERRORS,
          },
        },
      },
      "/v1/incidents/{token_hash}": {
        get: {
          ...ADMIN,
          operationId: "get_incident",
          summary: "An incident with its sightings and Clerk attempts",
          parameters: tokenHashParameter,
          responses: {
            "200": answer("The incident", ref("IncidentDetail")),
            "400": { $ref: "#/components/responses/BadRequest" },
            ...ADMIN_ERRORS,
          },
        },
      },
      "/v1/incidents/{token_hash}/retry": {
        post: {
          ...ADMIN,
          operationId: "retry_incident",
          summary: "Queue a failed incident again",
          parameters: tokenHashParameter,
          responses: {
            "202": answer(
              "Back to pending with its attempts and give-up clock reset, and queued",
              ref("RetryResult"),
            ),
            "400": { $ref: "#/components/responses/BadRequest" },
            ...ADMIN_ERRORS,
            "409": answer("The incident is not failed"),
          },
        },
      },
      "/v1/revocations": {
        post: {
          ...ADMIN,
          operationId: "revoke",
          summary: "Revoke a key now, by leaked secret or by key id",
          description:
            "Records an incident with sender `manual` and resolves it through the same resolver as alerts, drawing on the same shared pace of Clerk calls, with an alert's priority. By secret, the incident is keyed by SHA-256 of the secret, as for alerts; by key id, by SHA-256 of `key_id:<id>`. Clerk unavailable or its budget spent for the next 8 s: 202, the queue finishes it (with the default reason).",
          requestBody: { required: true, content: json(ref("RevocationRequest")) },
          responses: {
            "200": answer("Revoked now, or earlier", ref("RevocationResult")),
            "202": answer("Clerk is unavailable or rate-limited; queued", ref("RevocationResult")),
            "400": { $ref: "#/components/responses/BadRequest" },
            ...ADMIN_ERRORS,
            "404": answer("Clerk knows no such secret or key (or the API is off)", ref("RevocationResult")),
            "413": answer(`The body exceeds ${REVOCATION_BODY_LIMIT_BYTES} bytes`),
            "415": answer("The body is not application/json"),
            "502": answer("Clerk refused the revocation; the incident is failed", ref("RevocationResult")),
          },
        },
      },
    },
    components: {
      requestBodies: { Alert: { required: true, content: json(ref("AlertBody")) } },
      securitySchemes: {
        adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" },
      },
      responses: {
        AlertBodyInvalid: answer("The body is not a non-empty JSON array"),
        BadSignature: answer("Missing or invalid signature"),
        SenderOff: answer("The sender is not configured"),
        AlertTooLarge: answer(`The body exceeds ${ALERT_BODY_LIMIT_BYTES} bytes`),
        Unavailable: answer("The sender's keys are unavailable, or the Worker is misconfigured; try again"),
        BadRequest: answer("Invalid input; `fields` names the offending fields, never their values"),
        Unauthorized: {
          ...answer("Missing or invalid bearer token"),
          headers: {
            "WWW-Authenticate": { schema: { type: "string", examples: [`Bearer realm="${ADMIN_REALM}"`] } },
          },
        },
        NotFound: answer("Unknown resource, or the operators' API is off (ADMIN_TOKEN unset)"),
        TooManyAttempts: {
          ...answer("Too many failed authentications from this IP"),
          headers: {
            "Retry-After": { schema: { type: "integer", examples: [ADMIN_AUTH_RETRY_AFTER_SECONDS] } },
          },
        },
      },
      schemas: Object.fromEntries(
        Object.entries(toJsonSchemaDefs(SCHEMAS, CONVERSION)).map(([name, schema]) => [
          name,
          embedded(schema),
        ]),
      ),
    },
  };
}
