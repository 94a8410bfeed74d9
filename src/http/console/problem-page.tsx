/**
 * @module
 * A refusal on a console page, as HTML. The status, message and headers come from errors.ts `render`, the one mapping
 * of every `Problem`; this only frames its message as a page, so the console and the API cannot disagree on what a
 * refusal says.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import type { Problem } from "../errors";
import { render } from "../errors";
import { Layout } from "./layout";

/** Titles for the statuses a console page can be refused with. */
const TITLES: Record<number, string> = {
  400: "Not done",
  401: "Sign in",
  403: "Forbidden",
  404: "Not found",
  409: "Not done",
  413: "Too large",
  415: "Not done",
  429: "Too many attempts",
  500: "Something went wrong",
  503: "Unavailable",
};

/** Renders `problem` as a console page. */
export function renderProblemPage(c: Context<AppEnv>, problem: Problem): Response | Promise<Response> {
  const { status, body, headers } = render(problem);
  const title = TITLES[status] ?? "Refused";
  const signedIn = c.get("operator");
  const html = (
    <Layout title={title} nonce={c.get("secureHeadersNonce")} operator={signedIn}>
      <h1>{title}</h1>
      <p class="notice error" role="alert">
        {body.error}
      </p>
      <p>
        <a href="/console">Back to the console</a>
      </p>
    </Layout>
  );
  // WWW-Authenticate speaks to API clients; a page has no use for it.
  const { "WWW-Authenticate": _, ...rest } = headers ?? {};
  return c.html(html, status, rest);
}
