/**
 * @module
 * `POST /v1/alerts/{sender}`: signature headers → body limit → signature over the raw bytes → parse → process →
 * feedback.
 * Thin on purpose: every decision lives in a domain module. A request that fails the signature is
 * answered before any D1 write, Clerk call or queue send.
 */

import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { Hono } from "hono/tiny";
import { BODY_ERROR_MESSAGES, parseAlertBody } from "../../domain/alert-body";
import type { VerifyBody, VerifyError } from "../../senders/alert-verifier";
import { isSenderName, type SenderName } from "../../senders/registry";
import { processAlert } from "../../use-cases/process-alert";
import type { AppEnv } from "../app-env";
import { featureOff } from "../feature-off";

/**
 * Largest alert body. GitHub documents no batch limit; a match is about 250 bytes, so 5 MiB holds
 * some 20,000 matches while keeping parse time and memory well inside a Worker's limits.
 */
export const ALERT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/** The one place verification failures become HTTP: generic bodies, so callers learn nothing. */
function rejection(error: VerifyError): { status: 401 | 503; body: { error: string } } {
  switch (error.kind) {
    case "keys_unavailable":
      return { status: 503, body: { error: "Signature keys are unavailable; try again later." } };
    case "missing_headers":
    case "unknown_key":
    case "malformed_signature":
    case "bad_signature":
    case "stale_timestamp":
      return { status: 401, body: { error: "Invalid or missing signature." } };
  }
}

const NO_SUCH_SENDER = { error: "No such sender, or it is not configured." };

/** What the header stage hands the handler: the sender and the second stage of its verifier. */
type SignedRequest = { Variables: { sender: SenderName; verifyBody: VerifyBody } };

/**
 * The sender's verifier, first stage: headers only. It runs before the body limit because that middleware reads a
 * body sent without Content-Length to count it, and nothing about an unsigned request is worth reading.
 */
const signatureHeaders = createMiddleware<AppEnv & SignedRequest>(async (c, next) => {
  const { services, requestId } = c.var;
  const sender = c.req.param("sender") ?? "";
  if (!isSenderName(sender)) return c.json(NO_SUCH_SENDER, 404);
  const verifier = services.verifiers[sender];
  // Off: 404 when its settings are absent, 503 when a bad setting switched it off.
  if (!verifier) return featureOff(c, sender) ?? c.json(NO_SUCH_SENDER, 404);
  const signed = verifier(c.req.raw.headers);
  if (!signed.ok) {
    services.log.warn("alert_rejected", { request_id: requestId, sender, reason: signed.error.kind });
    const { status, body: answer } = rejection(signed.error);
    return c.json(answer, status);
  }
  c.set("sender", sender);
  c.set("verifyBody", signed.value);
  await next();
});

/** Alert routes: `/{sender}` for each configured sender. */
export const alertRoutes = new Hono<AppEnv>().post(
  "/:sender",
  signatureHeaders,
  bodyLimit({
    maxSize: ALERT_BODY_LIMIT_BYTES,
    onError: (c) => c.json({ error: `The body exceeds ${ALERT_BODY_LIMIT_BYTES} bytes.` }, 413),
  }),
  async (c) => {
    const { services, requestId, receivedAt, sender, verifyBody } = c.var;
    const body = await c.req.arrayBuffer();

    const verified = await verifyBody(body);
    if (!verified.ok) {
      services.log.warn("alert_rejected", { request_id: requestId, sender, reason: verified.error.kind });
      const { status, body: answer } = rejection(verified.error);
      return c.json(answer, status);
    }

    const parsed = parseAlertBody(body);
    if (!parsed.ok) {
      services.log.warn("alert_rejected", { request_id: requestId, sender, reason: parsed.error });
      return c.json({ error: BODY_ERROR_MESSAGES[parsed.error] }, 400);
    }

    const summary = await processAlert(
      {
        repo: services.repo,
        resolve: services.resolve,
        revokeDirect: services.revokeDirect,
        queue: services.queue,
        sealer: services.sealer,
        makeSighting: services.makeSighting,
        notifications: services.notifications,
        log: services.log,
        now: services.now,
        waitUntil: (p) => c.executionCtx.waitUntil(p),
      },
      { sender, matches: parsed.value.matches, invalid: parsed.value.invalid, receivedAt, requestId },
    );
    services.log.info("alert", {
      request_id: requestId,
      sender,
      ...summary.counts,
      labelled: summary.feedback.length,
      duration_ms: Date.now() - receivedAt,
    });
    return c.json(summary.feedback);
  },
);
