/**
 * @module
 * GitLab's Token Revocation API, for a self-managed GitLab pointed at autorevoke
 * (`secret_detection_revocation_token_types_url`, `secret_detection_token_revocation_url`):
 * `GET /v1/gitlab/revocable_token_types` and `POST /v1/gitlab/revoke_tokens`. GitLab authenticates with a pre-shared
 * token (GITLAB_REVOCATION_TOKEN) sent raw in `Authorization`; it is compared in constant time, and failures count
 * against the IP like an operator's wrong guess. The tokens are raw secrets: they go through the same use case as a
 * signed alert (hashed, sealed, never logged or echoed), and the answer is GitLab's 204 "accepted for eventual
 * revocation": what is not revoked inline, the queue finishes.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { Hono } from "hono/tiny";
import {
  GITLAB_REVOCABLE_TOKEN_TYPES,
  GITLAB_REVOCATION_SENDER,
  isRevocableType,
  revocationMatches,
} from "../../domain/gitlab-revocation";
import { noteFailedSignIn, refuseIfOverLimit, tokensMatch } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { refuse } from "../errors";
import { refuseIfFeatureOff } from "../feature-off";
import { describeRoute, json, type RouteDescription, shared } from "../openapi/describe-route";
import { GitlabRevokeTokensSchema } from "../requests";
import { ErrorSchema, GitlabTokenTypesSchema } from "../responses";
import { requireJson, valid } from "../validate";
import { ALERT_BODY_LIMIT_BYTES, logAlert } from "./alerts";

/** GitLab sends the setting's value as the whole header; a `Bearer ` in front is forgiven. */
const presentedToken = (header: string | undefined) => (header ?? "").replace(/^Bearer +/i, "").trim();

/** The pre-shared token, before anything else: off (404, or 503 when misconfigured), over the limit, or wrong. */
const gitlabAuth = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const { useCases, requestId } = c.var;
  const expected = useCases.config.GITLAB_REVOCATION_TOKEN;
  if (expected === undefined) {
    refuseIfFeatureOff(c, "gitlab_revocation");
    refuse({ kind: "no_such_route" });
  }
  refuseIfOverLimit(c);
  const presented = presentedToken(c.req.header("Authorization"));
  if (presented === "" || !(await tokensMatch(presented, expected))) {
    const limited = await noteFailedSignIn(
      c,
      presented === "" ? "gitlab_token_missing" : "gitlab_token_invalid",
    );
    useCases.log.warn("gitlab_revocation_rejected", { request_id: requestId });
    if (limited) refuseIfOverLimit(c);
    refuse({ kind: "bad_revocation_token" });
  }
  await next();
};

/** What both routes say of their caller and its refusals. */
const GITLAB_ROUTE = {
  tags: ["alerts"],
  security: [{ gitlabRevocationToken: [] }],
} satisfies Partial<RouteDescription>;

const GITLAB_REFUSALS = {
  401: json("Missing or invalid revocation token (GITLAB_REVOCATION_TOKEN)", ErrorSchema),
  404: json("GITLAB_REVOCATION_TOKEN is unset: the Token Revocation API is off", ErrorSchema),
  429: shared("TooManyAttempts"),
  503: json("GITLAB_REVOCATION_TOKEN is misconfigured, or the Worker is; see the Worker's logs", ErrorSchema),
} satisfies RouteDescription["responses"];

/** The Token Revocation API's routes, mounted at `/v1/gitlab`. */
export const gitlabRevocationRoutes = new Hono<AppEnv>()
  .use(gitlabAuth())
  .get(
    "/revocable_token_types",
    describeRoute({
      ...GITLAB_ROUTE,
      operationId: "gitlabRevocableTokenTypes",
      summary: "The token types autorevoke revokes, for a self-managed GitLab",
      description:
        "GitLab calls this first, then sends only the findings whose type is listed. The type is the secret " +
        "detection rule's identifier as GitLab names it: add the README's custom rule `clerk_api_key`.",
      responses: { 200: json("The types", GitlabTokenTypesSchema), ...GITLAB_REFUSALS },
    }),
    (c) => c.json({ types: [...GITLAB_REVOCABLE_TOKEN_TYPES] }),
  )
  .post(
    "/revoke_tokens",
    describeRoute({
      ...GITLAB_ROUTE,
      operationId: "gitlabRevokeTokens",
      summary: "Revoke the tokens a self-managed GitLab found",
      description:
        "GitLab's `[{type, token, location}]`. Each token is handled as a signed alert's match (sender " +
        "`gitlab_revocation`, the location as its sighting): verified in Clerk and revoked, inline while the alert " +
        "deadline allows and through the queue after. 204 means accepted for eventual revocation, as GitLab expects.",
      requestBody: {
        required: true,
        content: { "application/json": { schema: GitlabRevokeTokensSchema } },
      },
      responses: {
        204: { description: "Accepted for eventual revocation" },
        400: json("The body is invalid, or a type is not one autorevoke revokes: do not retry", ErrorSchema),
        ...GITLAB_REFUSALS,
        413: shared("AlertTooLarge"),
        415: json("The body is not application/json", ErrorSchema),
      },
    }),
    bodyLimit({
      maxSize: ALERT_BODY_LIMIT_BYTES,
      onError: () => refuse({ kind: "body_too_large", limitBytes: ALERT_BODY_LIMIT_BYTES }),
    }),
    requireJson,
    valid("json", GitlabRevokeTokensSchema),
    async (c) => {
      const { useCases, requestId, receivedAt } = c.var;
      const tokens = c.req.valid("json");
      if (!tokens.every((t) => isRevocableType(t.type))) {
        useCases.log.warn("alert_rejected", {
          request_id: requestId,
          sender: GITLAB_REVOCATION_SENDER,
          reason: "unsupported_token_type",
        });
        refuse({ kind: "unsupported_token_type" });
      }
      const summary = await useCases.processAlert(
        {
          sender: GITLAB_REVOCATION_SENDER,
          matches: revocationMatches(tokens),
          invalid: 0,
          receivedAt,
          requestId,
        },
        (p) => c.executionCtx.waitUntil(p),
      );
      logAlert(c.var, GITLAB_REVOCATION_SENDER, summary);
      return c.body(null, 204);
    },
  );
