/**
 * @module
 * What an action did, said plainly: the outcome, the incident it opened or found (by token prefix and hash only),
 * and where to look next.
 */
import type { ManualOutcome } from "../../use-cases/revoke-manually";

/** What an operator is told after each revocation outcome. */
export const OUTCOME_TEXT: Record<ManualOutcome, { tone: "ok" | "error" | "info"; text: string }> = {
  revoked: { tone: "ok", text: "Revoked: Clerk confirmed the key is revoked." },
  already_revoked: { tone: "ok", text: "Already revoked: the key was dead before this request." },
  cannot_be_revoked: {
    tone: "error",
    text: "Cannot be revoked: this is a JWT the instance issued, and Clerk keeps no state for one, so it works until it expires. The incident says when.",
  },
  queued: {
    tone: "info",
    text: "Queued: Clerk did not finish in time, so the queue keeps trying. The incident shows how it goes.",
  },
  not_found: { tone: "error", text: "Not found: Clerk does not know this key. Nothing was revoked." },
  failed: { tone: "error", text: "Failed: Clerk refused the revocation. The incident shows Clerk's answer." },
};

export interface ResultPageProps {
  title: string;
  tone: "ok" | "error" | "info";
  text: string;
  /** The incident concerned, when there is one. */
  tokenHash?: string | undefined;
  keyId?: string | null | undefined;
  /** Where to go next, before the overview: by default, revoking another key. */
  links?: [href: string, text: string][] | undefined;
}

const REVOKE_ANOTHER: [string, string][] = [["/console/revoke", "Revoke another key"]];

/** An action's outcome. */
export function ResultPage({ title, tone, text, tokenHash, keyId, links = REVOKE_ANOTHER }: ResultPageProps) {
  return (
    <>
      <h1>{title}</h1>
      <p class={`notice ${tone === "info" ? "" : tone}`} role="status">
        {text}
      </p>
      {keyId ? (
        <p>
          Key id: <code>{keyId}</code>
        </p>
      ) : null}
      {tokenHash ? (
        <p>
          <a href={`/console/incidents/${tokenHash}`}>Open the incident</a> (hash{" "}
          <code>{tokenHash.slice(0, 12)}…</code>)
        </p>
      ) : null}
      <p>
        {links.map(([href, linkText]) => (
          <>
            <a href={href}>{linkText}</a> ·{" "}
          </>
        ))}
        <a href="/console">Back to the overview</a>
      </p>
    </>
  );
}
