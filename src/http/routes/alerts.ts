/**
 * @module
 * `POST /v1/alerts/{sender}`: signature headers → body limit → signature over the raw bytes → parse → process →
 * feedback.
 * Thin on purpose: every decision lives in a domain module or a use case. A request that fails the signature is
 * refused before any D1 write, Clerk call or queue send.
 */

import type { Handler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { Hono } from "hono/tiny";
import { parseAlertBody } from "../../domain/alert-body";
import { SENDER_NAMES, type SenderName } from "../../domain/senders";
import type { VerifyBody, VerifyError } from "../../senders/alert-verifier";
import type { AppEnv } from "../app-env";
import { refuse } from "../errors";
import { refuseIfFeatureOff } from "../feature-off";
import { describeRoute } from "../openapi/describe-route";
import type { Feedback } from "../responses";
import { alertDescription } from "./alert-descriptions";

/**
 * Largest alert body. GitHub documents no batch limit; a match is about 250 bytes, so 5 MiB holds
 * some 20,000 matches while keeping parse time and memory well inside a Worker's limits.
 */
export const ALERT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/** A failed signature check, as a refusal: which check failed stays in the log. */
function signatureRefusal(error: VerifyError): never {
  return refuse(error.kind === "keys_unavailable" ? { kind: "keys_unavailable" } : { kind: "bad_signature" });
}

/** What the header stage hands the handler: the sender and the second stage of its verifier. */
type SignedRequest = { Variables: { sender: SenderName; verifyBody: VerifyBody } };

/**
 * The sender's verifier, first stage: headers only. It runs before the body limit because that middleware reads a
 * body sent without Content-Length to count it, and nothing about an unsigned request is worth reading.
 */
const signatureHeaders = (sender: SenderName) =>
  createMiddleware<AppEnv & SignedRequest>(async (c, next) => {
    const { useCases, requestId } = c.var;
    const verifier = useCases.verifiers[sender];
    // Off: 404 when its settings are absent, 503 when a bad setting switched it off.
    if (!verifier) {
      refuseIfFeatureOff(c, sender);
      refuse({ kind: "no_such_sender" });
    }
    const signed = verifier(c.req.raw.headers);
    if (!signed.ok) {
      useCases.log.warn("alert_rejected", { request_id: requestId, sender, reason: signed.error.kind });
      signatureRefusal(signed.error);
    }
    c.set("sender", sender);
    c.set("verifyBody", signed.value);
    await next();
  });

const alertBodyLimit = bodyLimit({
  maxSize: ALERT_BODY_LIMIT_BYTES,
  onError: () => refuse({ kind: "body_too_large", limitBytes: ALERT_BODY_LIMIT_BYTES }),
});

/** The `alert` log line every alert route writes: what became of its tokens, and how long the answer took. */
export function logAlert(
  { useCases, requestId, receivedAt }: AppEnv["Variables"],
  sender: string,
  summary: { counts: Record<string, number>; feedback: readonly unknown[] },
): void {
  useCases.log.info("alert", {
    request_id: requestId,
    sender,
    ...summary.counts,
    labelled: summary.feedback.length,
    duration_ms: Date.now() - receivedAt,
  });
}

/** Second stage of the signature over the raw body, then parse, process and answer with the feedback. */
const receiveAlert: Handler<AppEnv & SignedRequest> = async (c) => {
  const { useCases, requestId, receivedAt, sender, verifyBody } = c.var;
  const body = await c.req.arrayBuffer();

  const verified = await verifyBody(body);
  if (!verified.ok) {
    useCases.log.warn("alert_rejected", { request_id: requestId, sender, reason: verified.error.kind });
    signatureRefusal(verified.error);
  }

  const parsed = parseAlertBody(body);
  if (!parsed.ok) {
    useCases.log.warn("alert_rejected", { request_id: requestId, sender, reason: parsed.error });
    refuse({ kind: "invalid_alert", reason: parsed.error });
  }

  const summary = await useCases.processAlert(
    { sender, matches: parsed.value.matches, invalid: parsed.value.invalid, receivedAt, requestId },
    (p) => c.executionCtx.waitUntil(p),
  );
  logAlert(c.var, sender, summary);
  const feedback: Feedback = summary.feedback;
  return c.json(feedback);
};

/**
 * Alert routes: `/{sender}` for each sender, one route each so the document describes each sender's headers, and a
 * refusal for any other name.
 */
export const alertRoutes = new Hono<AppEnv>();
for (const sender of SENDER_NAMES) {
  alertRoutes.post(
    `/${sender}`,
    describeRoute(alertDescription(sender)),
    signatureHeaders(sender),
    alertBodyLimit,
    receiveAlert,
  );
}
// Hono runs every matching route in order, but a sender's chain above always answers or throws, so this one is
// reached only by names that are not senders. It answers as for a sender that is not configured.
alertRoutes.post("/:sender", () => refuse({ kind: "no_such_sender" }));
