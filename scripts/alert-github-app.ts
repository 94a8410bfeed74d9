/**
 * @module
 * `npm run alert -- --sender github-app`: what GitHub does for a GitHub App of the customer's, against the local
 * stack. For each token an alert is opened in the GitHub API stand-in (the repository LOCAL_GITHUB_REPO, seen by the
 * App's installation), and a `secret_scanning_alert` `created` delivery pointing at it is signed with the App's
 * webhook secret (X-Hub-Signature-256) and posted to `/v1/github-app/webhook`. The delivery carries no secret, as
 * GitHub's does not: the Worker reads it from the stand-in. Then the stand-in is watched until each alert is
 * resolved, and the time from the delivery to the resolution is printed.
 */
import { sign } from "@octokit/webhooks-methods";
import * as v from "valibot";
import { LOCAL_GITHUB_INSTALLATION_ID, LOCAL_GITHUB_REPO } from "../dev/local-stack/worker-vars.ts";
import { tokenPrefix } from "./alert-report.ts";

/** How long to watch for the alerts to be resolved: the queue's first batch plus a few Clerk and GitHub calls. */
const WATCH_MS = 8_000;

const CreatedSchema = v.object({ number: v.number() });
const AlertsSchema = v.array(
  v.object({ number: v.number(), state: v.string(), resolution: v.nullable(v.string()), repo: v.string() }),
);

/** What the run needs: the Worker's webhook URL, the stand-in's URL, the webhook secret, and where to print. */
export interface GithubAppRun {
  webhookUrl: URL;
  githubUrl: string;
  webhookSecret: string;
  tokens: readonly string[];
  say: (line: string) => void;
  watchMs?: number;
}

/** Opens an alert per token, delivers each, and reports; answers the exit status. */
export async function runGithubApp(run: GithubAppRun): Promise<number> {
  const { githubUrl, say } = run;
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${githubUrl}/__standin/${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`the GitHub stand-in answered ${res.status} to ${path}`);
    return res.json();
  };
  const alerts: { number: number; token: string; sentAt: number }[] = [];
  for (const token of run.tokens) {
    const { number } = v.parse(
      CreatedSchema,
      await control("alerts", {
        owner: LOCAL_GITHUB_REPO.owner,
        repo: LOCAL_GITHUB_REPO.repo,
        secret: token,
        secret_type: "clerk_api_key",
      }),
    );
    const body = JSON.stringify({
      action: "created",
      alert: {
        number,
        secret_type: "clerk_api_key",
        html_url: `https://github.com/${LOCAL_GITHUB_REPO.owner}/${LOCAL_GITHUB_REPO.repo}/security/secret-scanning/${number}`,
      },
      repository: {
        id: LOCAL_GITHUB_REPO.id,
        name: LOCAL_GITHUB_REPO.repo,
        full_name: `${LOCAL_GITHUB_REPO.owner}/${LOCAL_GITHUB_REPO.repo}`,
        owner: { login: LOCAL_GITHUB_REPO.owner },
      },
      installation: { id: LOCAL_GITHUB_INSTALLATION_ID },
      sender: { login: "github" },
    });
    const sentAt = Date.now();
    const res = await fetch(run.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/autorevoke-alert",
        "x-github-event": "secret_scanning_alert",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await sign(run.webhookSecret, body),
      },
      body,
    });
    const answer = (await res.text()).slice(0, 300);
    say(`alert #${number} (${tokenPrefix(token)}) delivered → HTTP ${res.status} ${answer}`);
    if (res.status !== 202) return 1;
    alerts.push({ number, token, sentAt });
  }
  const resolvedAt = new Map<number, number>();
  const until = Date.now() + (run.watchMs ?? WATCH_MS);
  while (resolvedAt.size < alerts.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    const states = v.parse(AlertsSchema, await control("alerts"));
    for (const a of states) {
      if (a.repo === LOCAL_GITHUB_REPO.repo && a.state === "resolved" && !resolvedAt.has(a.number)) {
        resolvedAt.set(a.number, Date.now());
      }
    }
  }
  for (const a of alerts) {
    const at = resolvedAt.get(a.number);
    say(
      at === undefined
        ? `alert #${a.number}: still open after ${((run.watchMs ?? WATCH_MS) / 1000).toFixed(0)} s: not a live Clerk key (such alerts are left open), or still being retried (see the Worker's log)`
        : `alert #${a.number}: resolved as revoked ${at - a.sentAt} ms after the delivery`,
    );
  }
  return 0;
}
