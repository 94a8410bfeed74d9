/**
 * @module
 * The frame of every console page: the one stylesheet (inline, under the response's CSP nonce), a skip link, the
 * navigation, who is signed in, and the page's content. Server-rendered; no script.
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Operator } from "../app-env";
import { CONSOLE_CSS } from "./styles";

/** Which navigation entry is the current page's. */
export type Section = "overview" | "incidents" | "revoke" | "health" | "none";

export interface LayoutProps {
  title: string;
  nonce: string | undefined;
  /** Absent on pages seen before signing in. */
  operator?: Operator | undefined;
  section?: Section;
  children?: Child;
}

const NAV: [Section, string, string][] = [
  ["overview", "/console", "Overview"],
  ["incidents", "/console/incidents", "Incidents"],
  ["revoke", "/console/revoke", "Revoke a key"],
  ["health", "/console/health", "Clerk health"],
];

function SignedIn({ operator }: { operator: Operator }) {
  if (operator.via === "access")
    return (
      <p class="who">
        Signed in as <strong>{operator.name}</strong> (Cloudflare Access) ·{" "}
        <a href="/cdn-cgi/access/logout">Sign out</a>
      </p>
    );
  return (
    <form class="who" method="post" action="/console/sign-out">
      Signed in with the admin token · <button type="submit">Sign out</button>
    </form>
  );
}

/** A whole console page. */
export function Layout({ title, nonce, operator, section = "none", children }: LayoutProps) {
  // The doctype keeps browsers out of quirks mode.
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="same-origin" />
          <title>{`${title} · autorevoke console`}</title>
          <style nonce={nonce} dangerouslySetInnerHTML={{ __html: CONSOLE_CSS }} />
        </head>
        <body>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <p class="brand">
              <a href="/console">autorevoke</a> <span>console</span>
            </p>
            {operator ? (
              <nav aria-label="Console">
                <ul>
                  {NAV.map(([id, href, label]) => (
                    <li>
                      <a href={href} aria-current={id === section ? "page" : undefined}>
                        {label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            ) : null}
            {operator ? <SignedIn operator={operator} /> : null}
          </header>
          <main id="main" tabindex={-1}>
            {children}
          </main>
        </body>
      </html>
    </>
  );
}
