/**
 * @module
 * What the OpenAPI document says of each sender's alert route: who sends it, the headers that carry its signature,
 * and when the route is off. The header names are the senders' own (src/senders/registry.ts checks them).
 */
import type { SenderName } from "../../domain/senders";
import { json, type RouteDescription, shared } from "../openapi/describe-route";
import { AlertBodySchema } from "../requests";
import { FeedbackSchema } from "../responses";

interface SenderFacts {
  title: string;
  /** `[name, description]` of each signature header; all are required. */
  headers: [string, string][];
  note?: string;
}

const ecdsaHeaders = (prefix: string): [string, string][] => [
  [`${prefix}-Public-Key-Identifier`, "id of the sender's public key that signed the body"],
  [`${prefix}-Public-Key-Signature`, "base64 ECDSA P-256 SHA-256 signature over the raw body"],
];

const SENDERS: Record<SenderName, SenderFacts> = {
  github: { title: "GitHub secret scanning", headers: ecdsaHeaders("Github") },
  gitlab: {
    title: "GitLab secret detection",
    headers: ecdsaHeaders("Gitlab"),
    note: "Answers 404 until GITLAB_KEYS_URL is set.",
  },
  depsdev: {
    title: "deps.dev",
    headers: ecdsaHeaders("DepsDev"),
    note: "Header names are configurable (DEPSDEV_IDENTIFIER_HEADER, DEPSDEV_SIGNATURE_HEADER); defaults shown.",
  },
  generic: {
    title: "in-house scanners (Standard Webhooks)",
    headers: [
      ["webhook-id", "unique message id"],
      ["webhook-timestamp", "seconds since the epoch; stale timestamps are refused"],
      ["webhook-signature", "v1,<base64 HMAC-SHA256> signatures, space-separated"],
    ],
    note: "Answers 404 until INBOUND_WEBHOOK_SECRET is set.",
  },
};

/** The description of `POST /v1/alerts/{sender}`. */
export function alertDescription(sender: SenderName): RouteDescription {
  const { title, headers, note } = SENDERS[sender];
  return {
    tags: ["alerts"],
    operationId: `alert_${sender}`,
    summary: `Leak alert from ${title}`,
    ...(note ? { description: note } : {}),
    parameters: headers.map(([name, description]) => ({
      name,
      in: "header",
      required: true,
      description,
      schema: { type: "string" },
    })),
    requestBody: { required: true, content: { "application/json": { schema: AlertBodySchema } } },
    responses: {
      200: json("A label for every token whose outcome is known", FeedbackSchema),
      400: shared("AlertBodyInvalid"),
      401: shared("BadSignature"),
      404: shared("SenderOff"),
      413: shared("AlertTooLarge"),
      503: shared("Unavailable"),
    },
  };
}
