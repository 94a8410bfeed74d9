/**
 * @module
 * `POST /v1/github-app/webhook`: deliveries to a GitHub App of the customer's, for its own org's secret scanning
 * (`secret_scanning_alert`, `secret_scanning_alert_location`, `ping`). The signature is checked over the raw body
 * before anything is parsed; the delivery is only a pointer to the alert (it carries no secret), so a verified one
 * is queued and answered at once, well inside GitHub's 10 s, and the queue reads the alert and revokes its key.
 */
import { bodyLimit } from "hono/body-limit";
import { Hono } from "hono/tiny";
import { alertName, GITHUB_APP_SENDER, readDelivery } from "../../domain/github-app-delivery";
import type { AppEnv } from "../app-env";
import { refuse } from "../errors";
import { refuseIfFeatureOff } from "../feature-off";
import { describeRoute, json, shared } from "../openapi/describe-route";
import { ErrorSchema, GithubDeliveryAnswerSchema } from "../responses";
import { ALERT_BODY_LIMIT_BYTES } from "./alerts";

/** The parsed payload of a `json` or `form` hook; undefined when it is neither. */
function payloadOf(contentType: string | undefined, body: string): unknown {
  try {
    if ((contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      const payload = new URLSearchParams(body).get("payload");
      return payload === null ? undefined : JSON.parse(payload);
    }
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The App's webhook route, mounted at `/v1/github-app`. */
export const githubAppRoutes = new Hono<AppEnv>().post(
  "/webhook",
  describeRoute({
    tags: ["alerts"],
    operationId: "githubAppWebhook",
    summary: "Receive a GitHub App's secret-scanning deliveries",
    description:
      "Set as the App's webhook URL. `X-Hub-Signature-256` is checked with GITHUB_APP_WEBHOOK_SECRET over the raw " +
      "body. A `secret_scanning_alert` (`created`, `reopened`, `publicly_leaked`, `validated`) or " +
      "`secret_scanning_alert_location` (`created`) delivery is queued and answered 202; from the queue the App reads " +
      "the alert's secret, revokes a live Clerk key and resolves the alert as `revoked`. Other events and actions " +
      "are answered 202 `ignored`, a `ping` 200.",
    security: [{ githubHubSignature: [] }],
    responses: {
      200: json("A ping", GithubDeliveryAnswerSchema),
      202: json("Queued, or nothing to do", GithubDeliveryAnswerSchema),
      400: json("A signed body that is not the event's payload", ErrorSchema),
      401: json("Missing or invalid X-Hub-Signature-256", ErrorSchema),
      404: json("GITHUB_APP_ID and its settings are unset: the GitHub App is off", ErrorSchema),
      413: shared("AlertTooLarge"),
      503: json(
        "The GitHub App's settings are misconfigured, or the queue refused the delivery (redeliver it from the " +
          "App's settings)",
        ErrorSchema,
      ),
    },
  }),
  bodyLimit({
    maxSize: ALERT_BODY_LIMIT_BYTES,
    onError: () => refuse({ kind: "body_too_large", limitBytes: ALERT_BODY_LIMIT_BYTES }),
  }),
  async (c) => {
    const { useCases, requestId } = c.var;
    if (useCases.config.GITHUB_APP_WEBHOOK_SECRET === undefined) {
      refuseIfFeatureOff(c, "github_app");
      refuse({ kind: "no_such_route" });
    }
    const body = await c.req.text();
    const fields = {
      request_id: requestId,
      sender: GITHUB_APP_SENDER,
      delivery: c.req.header("X-GitHub-Delivery")?.slice(0, 64) ?? null,
      github_event: c.req.header("X-GitHub-Event")?.slice(0, 64) ?? null,
    };
    if (!(await useCases.verifyGithubDelivery(body, c.req.header("X-Hub-Signature-256")))) {
      useCases.log.warn("alert_rejected", { ...fields, reason: "bad_signature" });
      refuse({ kind: "bad_signature" });
    }
    const read = readDelivery(c.req.header("X-GitHub-Event"), payloadOf(c.req.header("Content-Type"), body));
    if (!read.ok) {
      useCases.log.warn("alert_rejected", { ...fields, reason: "bad_delivery", field: read.error.path });
      refuse({ kind: "invalid_input", target: "json", fields: read.error.path ? [read.error.path] : [] });
    }
    const delivery = read.value;
    if (delivery.kind === "ping") return c.json({ status: "pong" as const }, 200);
    if (delivery.kind === "ignored") {
      useCases.log.info("github_delivery_ignored", { ...fields, reason: delivery.reason });
      return c.json({ status: "ignored" as const }, 202);
    }
    const { kind: _, ...ref } = delivery;
    if (!(await useCases.queueGithubAlert(ref))) refuse({ kind: "misconfigured" });
    useCases.log.info("github_delivery_queued", {
      ...fields,
      alert: alertName(ref),
    });
    return c.json({ status: "queued" as const }, 202);
  },
);
