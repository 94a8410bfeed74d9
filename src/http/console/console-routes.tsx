/**
 * @module
 * The operators' console, mounted at `/console`: server-rendered pages over the same use cases as the operators' API.
 * Sign-in (console-auth.ts), CSRF (same-origin.ts) and the CSP (security-headers.ts) wrap every route; handlers stay
 * thin: parse, call a use case, render a page.
 */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Child } from "hono/jsx";
import { Hono } from "hono/tiny";
import * as v from "valibot";
import { overallClerkHealth } from "../../domain/clerk-health";
import { isClerkSecretShape, operatorIdTypeOf } from "../../domain/clerk-ids";
import { REVOCATION_REASON } from "../../domain/outcome";
import { noteFailedSignIn, refuseIfOverLimit, tokensMatch } from "../admin-auth";
import type { AppEnv } from "../app-env";
import { encodeCursor } from "../cursor";
import { refuse, render } from "../errors";
import { RecheckRequestSchema, TokenHashParamSchema } from "../requests";
import { valid } from "../validate";
import { consoleAuth, SIGN_IN_PATH, signInMode } from "./console-auth";
import { HealthPage } from "./health-page";
import { IncidentPage } from "./incident-page";
import { IncidentsPage, listHref } from "./incidents-page";
import { Layout, type Section } from "./layout";
import {
  CONSOLE_PAGE_SIZE,
  type ConsoleListQuery,
  ConsoleListQuerySchema,
  type Search,
  searchOf,
} from "./list-query";
import { OverviewPage } from "./overview-page";
import { RecheckPage } from "./recheck-form";
import { OUTCOME_TEXT, ResultPage } from "./result-page";
import { RevokePage } from "./revoke-page";
import { sameOriginOnly } from "./same-origin";
import { endSession, hasSession, startSession } from "./session";
import { SignInPage } from "./sign-in-page";

/** Largest form the console accepts: a token or a secret, a key id and a reason fit in far less. */
export const CONSOLE_FORM_LIMIT_BYTES = 8 * 1024;
/** Longest revocation reason Clerk is sent (as the API's). */
const MAX_REASON_CHARS = 255;

const formLimit = bodyLimit({
  maxSize: CONSOLE_FORM_LIMIT_BYTES,
  onError: () => refuse({ kind: "body_too_large", limitBytes: CONSOLE_FORM_LIMIT_BYTES }),
});

/** A page in the console's frame. */
function page(
  c: Context<AppEnv>,
  title: string,
  section: Section,
  content: Child,
  status: 200 | 400 | 401 = 200,
) {
  return c.html(
    <Layout title={title} nonce={c.get("secureHeadersNonce")} operator={c.get("operator")} section={section}>
      {content}
    </Layout>,
    status,
  );
}

/** A form's text field, or `""`: a file or a repeated field counts as absent. */
async function formFields(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === "string") fields[name] = value;
  return fields;
}

function reasonOf(text: string | undefined): string {
  const trimmed = (text ?? "").trim();
  return trimmed === "" ? REVOCATION_REASON : trimmed.slice(0, MAX_REASON_CHARS);
}

/** Who did it, for the log: the Access identity's name, or that the shared admin token was used. */
const operatorName = (c: Context<AppEnv>) =>
  c.var.operator?.via === "access" ? c.var.operator.name : "admin_token";

const configuredInstances = (c: Context<AppEnv>) => c.var.useCases.config.clerkInstances.map((i) => i.name);

/** The incident list for `query`, searched as `search`. */
async function incidentList(c: Context<AppEnv>, query: ConsoleListQuery, search: Search) {
  const { status, sender, label, instance, since, cursor } = query;
  const list = await c.var.useCases.listIncidents(
    { status, sender, label, instance, since, search: search.term },
    cursor,
    CONSOLE_PAGE_SIZE,
  );
  const nextHref = list.next ? listHref(query, search, encodeCursor(list.next)) : undefined;
  return page(
    c,
    "Incidents",
    "incidents",
    <IncidentsPage
      query={query}
      search={search}
      items={list.items}
      nextHref={nextHref}
      instances={configuredInstances(c)}
      searchTruncated={list.searchTruncated}
    />,
  );
}

/** Console routes, mounted at `/console`. */
export const consoleRoutes = new Hono<AppEnv>()
  .use(sameOriginOnly())
  .get("/sign-in", async (c) => {
    if (signInMode(c) === "access") return c.redirect("/console", 303);
    const token = c.var.useCases.config.ADMIN_TOKEN;
    if (token !== undefined && (await hasSession(c, token, Date.now()))) return c.redirect("/console", 303);
    return page(c, "Sign in", "none", <SignInPage />);
  })
  .post("/sign-in", formLimit, async (c) => {
    const token = c.var.useCases.config.ADMIN_TOKEN;
    if (signInMode(c) === "access" || token === undefined) return refuse({ kind: "no_such_route" });
    refuseIfOverLimit(c);
    const presented = (await formFields(c)).token?.trim() ?? "";
    if (presented !== "" && (await tokensMatch(presented, token))) {
      await startSession(c, token, Date.now());
      c.var.useCases.log.info("console_signed_in", { request_id: c.var.requestId, via: "token" });
      return c.redirect("/console", 303);
    }
    if (await noteFailedSignIn(c, presented === "" ? "missing" : "invalid"))
      refuse({ kind: "too_many_attempts", retryAfterSeconds: 60 });
    return page(c, "Sign in", "none", <SignInPage error="That is not the admin token." />, 401);
  })
  .post("/sign-out", (c) => {
    endSession(c);
    return c.redirect(SIGN_IN_PATH, 303);
  })
  .use(consoleAuth())
  .get("/", async (c) => {
    const overview = await c.var.useCases.incidentOverview(Date.now());
    return page(c, "Overview", "overview", <OverviewPage overview={overview} />);
  })
  .get("/incidents", async (c) => {
    const parsed = v.safeParse(ConsoleListQuerySchema, c.req.query());
    if (!parsed.success) return refuse({ kind: "invalid_input", target: "query", fields: [] });
    return incidentList(c, parsed.output, await searchOf(parsed.output.q));
  })
  // The search form posts here, so what is typed into it (a secret pasted by mistake, say) travels in a request body,
  // which no request log records, rather than in a URL, which many do. The answer is the list's URL, a secret in it
  // replaced by its hash.
  .post("/incidents", formLimit, async (c) => {
    const parsed = v.safeParse(ConsoleListQuerySchema, await formFields(c));
    if (!parsed.success) return refuse({ kind: "invalid_input", target: "query", fields: [] });
    const query = parsed.output;
    const search = await searchOf(query.q);
    // A search that may not go in a URL is answered here, from the body, and pages no further.
    if (!search.safeInUrl) return incidentList(c, query, search);
    return c.redirect(listHref(query, search, undefined), 303);
  })
  .get("/incidents/:token_hash", valid("param", TokenHashParamSchema), async (c) => {
    const tokenHash = c.req.valid("param").token_hash;
    const [history, ownerEmail] = await Promise.all([
      c.var.useCases.incidentHistory(tokenHash),
      c.var.useCases.ownerEmailOf(tokenHash),
    ]);
    if (!history) return refuse({ kind: "no_such_incident" });
    return page(
      c,
      `Incident ${history.incident.tokenPrefix}`,
      "incidents",
      <IncidentPage history={history} ownerEmail={ownerEmail} />,
    );
  })
  .post("/incidents/:token_hash/retry", formLimit, valid("param", TokenHashParamSchema), async (c) => {
    const { useCases, requestId } = c.var;
    const tokenHash = c.req.valid("param").token_hash;
    if ((await formFields(c)).confirm !== "yes") return refuse({ kind: "not_confirmed" });
    const result = await useCases.retryIncident(tokenHash);
    useCases.log.info("incident_retry", {
      request_id: requestId,
      token_hash: tokenHash,
      result,
      via: "console",
      operator: operatorName(c),
    });
    if (result === "unknown") return refuse({ kind: "no_such_incident" });
    if (result === "not_retryable") return refuse({ kind: "not_retryable" });
    return page(
      c,
      "Retry queued",
      "incidents",
      <ResultPage
        title="Retry queued"
        tone="ok"
        text="Queued: the incident is pending again and the queue is calling Clerk now."
        tokenHash={tokenHash}
      />,
    );
  })
  // A live check on every load: one paced Clerk call per instance, as GET /v1/health/clerk.
  .get("/health", async (c) => {
    const instances = await c.var.useCases.checkClerkHealth();
    return page(
      c,
      "Clerk health",
      "health",
      <HealthPage instances={instances} overall={overallClerkHealth(instances)} />,
    );
  })
  // The form under the health table: every false_positive since a day goes back to Clerk, as POST /v1/rechecks.
  .post("/rechecks", formLimit, async (c) => {
    const { useCases, requestId } = c.var;
    const form = await formFields(c);
    const again = (message: string) =>
      page(c, "Check false positives again", "health", <RecheckPage error={message} />, 400);
    if (form.confirm !== "yes") return again(render({ kind: "not_confirmed" }).body.error);
    const parsed = v.safeParse(RecheckRequestSchema, { since: (form.since ?? "").trim() });
    if (!parsed.success)
      return again("Nothing was done: give a day such as 2026-12-01, or an ISO 8601 time.");
    const { since } = parsed.output;
    const progress = await useCases.recheckNotFound(since);
    useCases.log.info("recheck_started", {
      request_id: requestId,
      since,
      ...progress,
      via: "console",
      operator: operatorName(c),
    });
    const from = new Date(since).toISOString();
    const text =
      progress.reopened === 0
        ? `No false positive was given since ${from}: nothing to check again.`
        : `${progress.reopened} false positive${progress.reopened === 1 ? "" : "s"} given since ${from} ` +
          `${progress.reopened === 1 ? "is" : "are"} pending again, and the queue is asking Clerk now` +
          (progress.more ? "; more follow in chunks on the queue." : ".");
    return page(
      c,
      "Re-check started",
      "health",
      <ResultPage
        title="Re-check started"
        tone={progress.reopened === 0 ? "info" : "ok"}
        text={text}
        links={[["/console/incidents?status=pending", "Pending incidents"]]}
      />,
    );
  })
  .get("/revoke", (c) => {
    const keyId = c.req.query("key_id");
    return page(
      c,
      "Revoke a key",
      "revoke",
      <RevokePage
        instances={configuredInstances(c)}
        keyId={keyId !== undefined && operatorIdTypeOf(keyId) !== undefined ? keyId : undefined}
      />,
    );
  })
  .post("/revoke", formLimit, async (c) => {
    const { useCases, requestId } = c.var;
    const form = await formFields(c);
    const by = form.secret !== undefined ? "secret" : "key_id";
    const instances = configuredInstances(c);
    // The refusal re-renders the forms empty: a secret is never sent back, and a key id only if it was well formed.
    const again = (message: string) =>
      page(
        c,
        "Revoke a key",
        "revoke",
        <RevokePage instances={instances} error={{ form: by, message }} />,
        400,
      );
    if (form.confirm !== "yes") return again(render({ kind: "not_confirmed" }).body.error);
    const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
    const reason = reasonOf(form.reason);
    let result: Awaited<ReturnType<typeof useCases.revokeSecret>>;
    if (by === "secret") {
      const secret = (form.secret ?? "").trim();
      if (!isClerkSecretShape(secret))
        return again(
          "That is not shaped like a Clerk credential (ak_, mt_ or oat_ then 16 to 256 printable characters, or a Clerk machine JWT).",
        );
      result = await useCases.revokeSecret(secret, reason, waitUntil);
    } else {
      const keyId = (form.key_id ?? "").trim();
      if (operatorIdTypeOf(keyId) === undefined)
        return again("An id is ak_ or mt_ and 32 hex digits, or a machine's mch_….");
      const instance = form.instance === undefined || form.instance === "" ? undefined : form.instance;
      const byId = await useCases.revokeKeyId(keyId, reason, instance, waitUntil);
      if (!byId.ok) return again(render({ kind: "instance", error: byId.error }).body.error);
      result = byId.value;
    }
    useCases.log.info("manual_revocation", {
      request_id: requestId,
      by,
      via: "console",
      operator: operatorName(c),
      token_hash: result.tokenHash,
      outcome: result.outcome,
    });
    const said = OUTCOME_TEXT[result.outcome];
    return page(
      c,
      "Revocation",
      "revoke",
      <ResultPage
        title="Revocation"
        tone={said.tone}
        text={said.text}
        tokenHash={result.tokenHash}
        keyId={result.keyId}
      />,
    );
  });
