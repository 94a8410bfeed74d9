/**
 * @module
 * The mix of a real leak (issue 25, item 6): one alert carrying every Clerk credential kind, live and junk, shuffled —
 * API keys, machine secret keys, opaque M2M tokens, opaque OAuth access tokens (of a few OAuth clients), M2M JWTs,
 * OAuth JWT access tokens, `ak_`/`mt_`/`oat_` tokens Clerk does not know, JWTs of Clerk's shape signed by another
 * key, and another vendor's tokens. Before it, the machines' secret key hashes are read the way an operator asks for
 * them (`POST /v1/machines/refresh`, 30 a call), and what that costs is counted too.
 *
 * Reported: every Clerk call the alert caused, by operation, against the fewest each kind needs — an API key verify
 * and revoke; a machine secret key's verify (Clerk's API key verify does not know it) and rotation; an M2M token's
 * verify and revoke; an OAuth token's verify and revoke plus one application lookup per OAuth client; one JWKS fetch
 * for every JWT of the alert; one verify per junk token; nothing for another vendor's. Then that every incident ended
 * as its kind should (label, status, token type), read back through the operators' API. Never a timing budget.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { LocalStack } from "../dev/local-stack.ts";
import { LOCAL_ADMIN_TOKEN } from "../dev/local-stack.ts";
import { sha256Hex } from "../dev/standin-util.ts";
import { ANSWER_TIMEOUT_MS } from "./batches.ts";
import { assertLoopback } from "./load.ts";
import { signedAlert } from "./signed-alert.ts";

export interface MixedLeakPlan {
  /** Tokens of each kind in the alert (live and junk alike). */
  perKind: number;
  /** OAuth clients the opaque OAuth tokens are spread over. */
  clients: number;
  /** Machines the instance has; `perKind` of their secret keys leak. */
  machines: number;
}

/** A kind in the alert: how many, the Clerk calls it needs at least, and what it must end as. */
interface KindPlan {
  kind: string;
  tokens: string[];
  label: "true_positive" | "false_positive";
  status: string;
  tokenType: string;
}

/** One Clerk operation: the calls the alert caused, against the fewest its kinds need. */
export interface OperationCalls {
  operation: string;
  measured: number;
  minimum: number;
}

export interface MixedLeakResult extends MixedLeakPlan {
  /** Tokens per kind, and how many ended as their kind should. */
  kinds: {
    kind: string;
    tokens: number;
    correct: number;
    label: string;
    status: string;
    tokenType: string;
  }[];
  operations: OperationCalls[];
  answerMs: number;
  /** From sending the alert until no incident was pending. */
  settledMs: number;
  /** What reading the machines' secret key hashes cost before the alert. */
  refresh: { requests: number; listCalls: number; secretCalls: number };
}

/** The stand-in's control API, in-process. */
async function control(stack: LocalStack, route: string, body?: unknown): Promise<unknown> {
  const res = await stack.clerk.standin.handle(
    new Request(`http://standin.local/__standin/${route}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  if (!res.ok) throw new Error(`mixed leak: the stand-in answered ${res.status} to ${route}`);
  return res.json();
}

async function mint(stack: LocalStack, route: string, body: unknown, field: "token" | "secret" = "token") {
  const minted = (await control(stack, route, body)) as Record<string, unknown>;
  const value = minted[field];
  if (typeof value !== "string") throw new Error(`mixed leak: ${route} answered no ${field}`);
  return value;
}

const times = <T>(n: number, make: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => make(i)));

/** The operators' API, with the local admin token. */
async function admin(stack: LocalStack, path: string, method = "GET"): Promise<unknown> {
  const url = `${stack.url}${path}`;
  assertLoopback(url);
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${LOCAL_ADMIN_TOKEN}` } });
  if (!res.ok) throw new Error(`mixed leak: ${method} ${path} answered ${res.status}`);
  return res.json();
}

/** Runs the measure; throws on a wrong outcome or work still pending at the time limit, never on timing. */
export async function measureMixedLeak(stack: LocalStack, plan: MixedLeakPlan): Promise<MixedLeakResult> {
  const standin = stack.clerk.standin;
  const n = plan.perKind;
  const machines = await times(plan.machines, () => control(stack, "machines", {}));
  const apps = (await times(plan.clients, () => control(stack, "oauth_applications", {}))) as {
    client_id: string;
  }[];
  const junk = (prefix: string) => times(n, async () => `${prefix}${randomBytes(20).toString("hex")}`);
  const kinds: KindPlan[] = [
    {
      kind: "API key",
      tokens: await times(n, async (i) => (await standin.createKey({ name: `mixed-${i}` })).secret),
      label: "true_positive",
      status: "revoked",
      tokenType: "clerk_api_key",
    },
    {
      kind: "machine secret key",
      tokens: (machines.slice(0, n) as { secret: string }[]).map((m) => m.secret),
      label: "true_positive",
      status: "revoked",
      tokenType: "clerk_machine_secret_key",
    },
    {
      kind: "opaque M2M token",
      tokens: await times(n, () => mint(stack, "m2m_tokens", {})),
      label: "true_positive",
      status: "revoked",
      tokenType: "clerk_m2m_token",
    },
    {
      kind: "opaque OAuth access token",
      tokens: await times(n, (i) =>
        mint(stack, "oauth_access_tokens", { client_id: apps[i % apps.length]?.client_id }),
      ),
      label: "true_positive",
      status: "revoked",
      tokenType: "clerk_oauth_access_token",
    },
    {
      kind: "M2M JWT",
      tokens: await times(n, () => mint(stack, "m2m_tokens", { token_format: "jwt" })),
      label: "true_positive",
      status: "revoked",
      tokenType: "clerk_m2m_jwt",
    },
    {
      kind: "OAuth JWT access token",
      tokens: await times(n, () => mint(stack, "oauth_access_tokens", { token_format: "jwt" })),
      label: "true_positive",
      status: "revoked",
      tokenType: "clerk_oauth_jwt",
    },
    {
      kind: "ak_ unknown to Clerk",
      tokens: await junk("ak_"),
      label: "false_positive",
      status: "not_found",
      tokenType: "clerk_api_key",
    },
    {
      kind: "mt_ unknown to Clerk",
      tokens: await junk("mt_"),
      label: "false_positive",
      status: "not_found",
      tokenType: "clerk_m2m_token",
    },
    {
      kind: "oat_ unknown to Clerk",
      tokens: await junk("oat_"),
      label: "false_positive",
      status: "not_found",
      tokenType: "clerk_oauth_access_token",
    },
    {
      kind: "JWT signed by another key",
      tokens: await times(n, () => mint(stack, "forged_jwt", { kind: "m2m" })),
      label: "false_positive",
      status: "not_found",
      tokenType: "clerk_m2m_jwt",
    },
    {
      kind: "another vendor's token",
      tokens: await times(n, async () => `ghp_${randomBytes(18).toString("base64url")}`),
      label: "false_positive",
      status: "ignored",
      tokenType: "other",
    },
  ];

  // The machines' hashes, as an operator would ask for them: 30 an instance a request, until every one is read.
  const refreshFrom = standin.calls().length;
  let requests = 0;
  for (let hashed = 0; hashed < plan.machines && requests < plan.machines; ) {
    const answer = (await admin(stack, "/v1/machines/refresh", "POST")) as {
      instances: { hashed: number }[];
    };
    requests++;
    hashed += answer.instances.reduce((sum, i) => sum + i.hashed, 0);
  }
  const refreshCalls = standin.calls().slice(refreshFrom);

  const tokens = shuffle(kinds.flatMap((k) => k.tokens));
  const { signed, body } = await signedAlert(
    stack,
    tokens.map((token, i) => ({
      token,
      type: "clerk_api_key",
      url: `https://github.com/octo/mixed/blob/main/config/${i}.env`,
      source: "content",
    })),
  );
  const callsBefore = standin.calls().length;
  const sentAt = Date.now();
  const response = await fetch(signed.url, {
    method: "POST",
    headers: signed.headers,
    body,
    signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
  });
  await response.arrayBuffer();
  const answerMs = Date.now() - sentAt;
  if (response.status !== 200) throw new Error(`mixed leak: answered ${response.status}`);

  // Settled once no incident is pending: the queue has finished what the answer left.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const page = (await admin(stack, "/v1/incidents?status=pending&limit=1")) as { items: unknown[] };
    if (page.items.length === 0) break;
    if (Date.now() > deadline) throw new Error("mixed leak: incidents still pending after 120 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  const settledMs = Date.now() - sentAt;
  const calls = standin.calls().slice(callsBefore);

  const byHash = new Map<string, { status: string; label: string | null; token_type: string }>();
  let cursor: string | null = null;
  do {
    const page = (await admin(
      stack,
      `/v1/incidents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    )) as {
      items: { token_hash: string; status: string; label: string | null; token_type: string }[];
      next_cursor: string | null;
    };
    for (const item of page.items) byHash.set(item.token_hash, item);
    cursor = page.next_cursor;
  } while (cursor);

  const results = await Promise.all(
    kinds.map(async (k) => {
      let correct = 0;
      for (const token of k.tokens) {
        const row = byHash.get(await sha256Hex(token));
        if (row && row.label === k.label && row.status === k.status && row.token_type === k.tokenType)
          correct++;
      }
      return {
        kind: k.kind,
        tokens: k.tokens.length,
        correct,
        label: k.label,
        status: k.status,
        tokenType: k.tokenType,
      };
    }),
  );
  const wrong = results.filter((r) => r.correct !== r.tokens);
  if (wrong.length > 0) {
    throw new Error(
      `mixed leak: ${wrong.map((w) => `${w.tokens - w.correct} of ${w.tokens} ${w.kind}`).join(", ")} ended wrong`,
    );
  }

  const count = (operation: string) => calls.filter((c) => c.operation === operation).length;
  // The fewest each operation needs for this alert, kind by kind.
  const minimum: Record<string, number> = {
    verify: 3 * n, // API keys, machine secret keys (unknown to it), junk ak_
    revoke: n,
    machine_rotate: n,
    m2m_verify: 2 * n, // live and junk mt_
    m2m_revoke: n,
    oauth_verify: 2 * n, // live and junk oat_
    oauth_apps_list: Math.min(plan.clients, n),
    oauth_revoke: n,
    jwks: 1, // one fetch for every JWT of the alert, forged ones too
  };
  const seen = new Set([...Object.keys(minimum), ...calls.map((c) => c.operation)]);
  const operations = [...seen].map((operation) => ({
    operation,
    measured: count(operation),
    minimum: minimum[operation] ?? 0,
  }));
  return {
    ...plan,
    kinds: results,
    operations,
    answerMs,
    settledMs,
    refresh: {
      requests,
      listCalls: refreshCalls.filter((c) => c.operation === "machines_list").length,
      secretCalls: refreshCalls.filter((c) => c.operation === "machine_secret").length,
    },
  };
}

/** Fisher–Yates, with the platform's random numbers. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** The measure as Markdown tables (console and RESULTS.md alike). */
export function mixedLeakMarkdown(r: MixedLeakResult): string {
  const total = r.kinds.reduce((sum, k) => sum + k.tokens, 0);
  const measured = r.operations.reduce((sum, o) => sum + o.measured, 0);
  const fewest = r.operations.reduce((sum, o) => sum + o.minimum, 0);
  return [
    `One alert of ${total} tokens, ${r.perKind} of each kind, shuffled; ${r.clients} OAuth clients, ${r.machines} machines. ` +
      `Answered in ${r.answerMs} ms, every incident final ${r.settledMs} ms after the send. ` +
      `${measured} Clerk calls against the fewest possible, ${fewest}.`,
    "",
    "| kind | tokens | ended as it should | label | status | token_type |",
    "|---|---:|---:|---|---|---|",
    ...r.kinds.map(
      (k) =>
        `| ${k.kind} | ${k.tokens} | ${k.correct} | \`${k.label}\` | \`${k.status}\` | \`${k.tokenType}\` |`,
    ),
    "",
    "| Clerk operation | calls | fewest possible |",
    "|---|---:|---:|",
    ...r.operations.map((o) => `| \`${o.operation}\` | ${o.measured} | ${o.minimum} |`),
    "",
    `Reading the ${r.machines} machines' secret key hashes first took ${r.refresh.requests} \`POST /v1/machines/refresh\` ` +
      `(30 hashes an instance each): ${r.refresh.listCalls} \`GET /machines\` page(s) of 100 and ` +
      `${r.refresh.secretCalls} \`GET /machines/{id}/secret_key\`, one per machine.`,
    "",
  ].join("\n");
}

/** Where the mix's section of bench/RESULTS.md starts and ends: `--mixed` writes it, the full bench keeps it. */
export const MIXED_MARKERS = {
  start: "<!-- mixed: written by `npm run bench -- --mixed` -->",
  end: "<!-- /mixed -->",
};

/** The mix's section of RESULTS.md, markers included. */
export function mixedLeakSection(r: MixedLeakResult): string {
  return [
    MIXED_MARKERS.start,
    "## The mix of a real leak (issue 25)",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench -- --mixed\` against the Clerk stand-in, unpaced.`,
    "",
    mixedLeakMarkdown(r),
    MIXED_MARKERS.end,
  ].join("\n");
}
