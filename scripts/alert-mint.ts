/**
 * @module
 * A fresh Clerk credential of one kind for `npm run alert -- --kind …`, minted by the local Clerk stand-in's control
 * API (dev/clerk-standin/control-api.ts): an opaque M2M token, a machine's secret key, an opaque OAuth access token,
 * an M2M JWT or an OAuth JWT access token. Fresh each time, so every run has a live one to report, whatever the
 * previous runs revoked. A refusal names the stand-in and the status, never a value.
 */
import * as v from "valibot";
import { err, ok, type Result } from "../src/lib/result.ts";
import type { AlertKind } from "./alert-options.ts";

/** How long to wait for the stand-in's control API, which answers from memory (an RSA key is made on first use). */
const MINT_TIMEOUT_MS = 10_000;

/** The kinds the stand-in mints (API keys come from the demo keys). */
export type MintedKind = Exclude<AlertKind, "api-key">;

/** Each kind's control route and body, and the answer's field that holds the value. */
const MINTS: Record<MintedKind, { route: string; body: Record<string, unknown>; field: "token" | "secret" }> =
  {
    m2m: { route: "m2m_tokens", body: {}, field: "token" },
    "m2m-jwt": { route: "m2m_tokens", body: { token_format: "jwt" }, field: "token" },
    "machine-secret": { route: "machines", body: {}, field: "secret" },
    oauth: { route: "oauth_access_tokens", body: {}, field: "token" },
    "oauth-jwt": { route: "oauth_access_tokens", body: { token_format: "jwt" }, field: "token" },
  };

const MintedSchema = v.object({
  id: v.string(),
  token: v.optional(v.pipe(v.string(), v.minLength(1))),
  secret: v.optional(v.pipe(v.string(), v.minLength(1))),
});

/** A minted credential: its id (a token's, or the machine's) and its only copy of the value. */
export interface MintedCredential {
  id: string;
  value: string;
}

/**
 * Mints a `kind` credential at the stand-in `standinUrl`. A stand-in of one instance serves `/__standin/…` itself;
 * `npm start`'s two answer 404 there and serve `instance`'s under `/instances/<instance>/__standin/…`.
 */
export async function mintCredential(
  standinUrl: string,
  kind: MintedKind,
  instance: string,
): Promise<Result<MintedCredential, string>> {
  const { route, body, field } = MINTS[kind];
  const bases = [standinUrl, `${standinUrl}/instances/${instance}`];
  for (const [i, base] of bases.entries()) {
    let res: Response;
    try {
      res = await fetch(`${base}/__standin/${route}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(MINT_TIMEOUT_MS),
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return err(`cannot reach the Clerk stand-in at ${standinUrl} to mint --kind ${kind} (${why}).`);
    }
    if (res.status === 404 && i < bases.length - 1) continue;
    if (!res.ok)
      return err(`the Clerk stand-in at ${base} answered ${res.status} to minting --kind ${kind}.`);
    const parsed = v.safeParse(MintedSchema, await res.json().catch(() => undefined));
    const value = parsed.success ? parsed.output[field] : undefined;
    if (!parsed.success || value === undefined) {
      return err(`the Clerk stand-in at ${base} answered no ${field} to minting --kind ${kind}.`);
    }
    return ok({ id: parsed.output.id, value });
  }
  return err(`the Clerk stand-in at ${standinUrl} has no instance ${instance}.`);
}

/**
 * A machine minted just now is unknown to autorevoke until its secret key's hash is read (hourly by the cron, or when
 * an operator asks): the local stack is asked, with its admin token, so the alert that follows finds the machine.
 * Said, not fatal, when it fails: the alert is still sent, and is then answered `false_positive`.
 */
export async function readMachineHashes(
  workerOrigin: string,
  adminToken: string,
): Promise<Result<number, string>> {
  let res: Response;
  try {
    res = await fetch(new URL("/v1/machines/refresh", workerOrigin), {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(MINT_TIMEOUT_MS),
    });
  } catch (error) {
    return err(
      `cannot reach ${workerOrigin} to read the machines' hashes (${error instanceof Error ? error.message : error}).`,
    );
  }
  if (!res.ok) return err(`POST /v1/machines/refresh answered ${res.status}.`);
  const parsed = v.safeParse(
    v.object({ instances: v.array(v.object({ hashed: v.number() })) }),
    await res.json().catch(() => undefined),
  );
  return parsed.success
    ? ok(parsed.output.instances.reduce((sum, i) => sum + i.hashed, 0))
    : err("POST /v1/machines/refresh answered something else than its documented body.");
}
