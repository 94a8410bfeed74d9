/**
 * @module
 * `npm run github-app`: creates the GitHub App autorevoke needs for an org's own secret scanning, through GitHub's App
 * manifest flow (reference/github-app-and-gitlab-revocation.md, "App manifest flow").
 *
 * - `--worker URL [--org ORG] [--name NAME]`: writes a page whose form posts the manifest to GitHub (the org's, or
 *   your account's, "new App" page), with the webhook at `<worker>/v1/github-app/webhook`, the permission
 *   `secret_scanning_alerts: write` and the two secret-scanning events. Open it, create the App; GitHub redirects to
 *   the Worker's `/` with `?code=…` in the address bar.
 * - `--code CODE`: exchanges the code (within the hour) for the App's id, private key and webhook secret
 *   (`POST /app-manifests/{code}/conversions` on GITHUB_API_URL, default GitHub's), writes them to files readable by
 *   you only, and prints the `wrangler secret put` commands. The key and the secret are never printed.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { DEFAULT_DEV_DIR, repoRoot } from "../dev/local-stack.ts";
import { isMainModule } from "./is-main-module.ts";

const HELP = `Create autorevoke's GitHub App from a manifest.

  npm run github-app -- --worker https://<your-worker> [--org <org>] [--name autorevoke]
      writes github-app/manifest.html: open it in a browser signed in to GitHub, and create the App
  npm run github-app -- --code <code>
      exchanges the code GitHub redirected with for the App's credentials (within one hour)

  --api-url URL   GitHub's REST API (default https://api.github.com; GitHub Enterprise: https://<host>/api/v3)
  --web-url URL   GitHub's web origin for the manifest form (default https://github.com)
  --out DIR       where the files go (default .wrangler/autorevoke-dev/github-app)`;

const ConversionSchema = v.object({
  id: v.number(),
  slug: v.optional(v.string(), ""),
  pem: v.pipe(v.string(), v.startsWith("-----BEGIN")),
  webhook_secret: v.pipe(v.string(), v.minLength(1)),
  html_url: v.optional(v.string(), ""),
});

/** The manifest for a Worker at `worker`. */
export function githubAppManifest(worker: URL, name: string) {
  const base = worker.href.replace(/\/+$/, "");
  return {
    name,
    url: base,
    description:
      "Revokes leaked Clerk API keys that GitHub secret scanning finds, and resolves their alerts.",
    hook_attributes: { url: `${base}/v1/github-app/webhook`, active: true },
    redirect_url: `${base}/`,
    public: false,
    default_permissions: { secret_scanning_alerts: "write", metadata: "read" },
    default_events: ["secret_scanning_alert", "secret_scanning_alert_location"],
  };
}

/** HTML-escapes `text` for an attribute. */
const attr = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The page that posts the manifest to GitHub's "new App" form. */
export function manifestPage(manifest: object, webUrl: string, org: string | undefined): string {
  const action = org
    ? `${webUrl}/organizations/${encodeURIComponent(org)}/settings/apps/new`
    : `${webUrl}/settings/apps/new`;
  return `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Create autorevoke's GitHub App</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Create autorevoke's GitHub App</h1>
<p>This posts the App's manifest to GitHub${org ? ` for the org <b>${attr(org)}</b>` : ""}. GitHub then asks for
the App's name and creates it, and sends you back to your Worker with <code>?code=…</code> in the address bar: run
<code>npm run github-app -- --code &lt;that code&gt;</code> within the hour.</p>
<form action="${attr(action)}" method="post">
<input type="hidden" name="manifest" value="${attr(JSON.stringify(manifest))}">
<button type="submit">Create the App on GitHub</button>
</form>
</body></html>
`;
}

/** Runs the command; answers the exit status. */
export async function main(argv: readonly string[], say: (line: string) => void): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        worker: { type: "string" },
        org: { type: "string" },
        name: { type: "string" },
        code: { type: "string" },
        "api-url": { type: "string" },
        "web-url": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    say(`npm run github-app: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  if (values.help === true || (str("worker") === undefined && str("code") === undefined)) {
    say(HELP);
    return values.help === true ? 0 : 2;
  }
  const out = path.resolve(await repoRoot(), str("out") ?? path.join(DEFAULT_DEV_DIR, "github-app"));
  await mkdir(out, { recursive: true, mode: 0o700 });

  const code = str("code");
  if (code === undefined) {
    let worker: URL;
    try {
      worker = new URL(str("worker") ?? "");
    } catch {
      say(
        "npm run github-app: --worker must be the Worker's URL, e.g. https://autorevoke.example.workers.dev",
      );
      return 2;
    }
    const manifest = githubAppManifest(worker, str("name") ?? "autorevoke");
    const file = path.join(out, "manifest.html");
    await writeFile(file, manifestPage(manifest, str("web-url") ?? "https://github.com", str("org")));
    say(`Wrote ${file}.\nOpen it in a browser signed in to GitHub and create the App. The manifest:`);
    say(JSON.stringify(manifest, null, 2));
    return 0;
  }

  if (!/^[A-Za-z0-9_-]{1,100}$/.test(code)) {
    say(
      "npm run github-app: --code is the code GitHub put in the redirect's address (letters, digits, - and _).",
    );
    return 2;
  }
  const api = (str("api-url") ?? "https://api.github.com").replace(/\/+$/, "");
  const res = await fetch(`${api}/app-manifests/${code}/conversions`, {
    method: "POST",
    headers: { accept: "application/vnd.github+json", "user-agent": "autorevoke" },
  }).catch((error: unknown) => error);
  if (!(res instanceof Response)) {
    say(`npm run github-app: ${api} did not answer (${res instanceof Error ? res.message : String(res)}).`);
    return 1;
  }
  if (res.status !== 201) {
    say(
      `npm run github-app: GitHub answered ${res.status} (a code is good for one exchange, within an hour).`,
    );
    return 1;
  }
  const parsed = v.safeParse(ConversionSchema, await res.json().catch(() => undefined));
  if (!parsed.success) {
    say("npm run github-app: GitHub's answer is not an App's credentials.");
    return 1;
  }
  const app = parsed.output;
  const keyFile = path.join(out, "private-key.pem");
  const secretFile = path.join(out, "webhook-secret");
  for (const [file, text] of [
    [keyFile, app.pem],
    [secretFile, app.webhook_secret],
  ] as const) {
    await writeFile(file, text, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  say(`Created the App ${app.slug || app.id} (App ID ${app.id})${app.html_url ? `: ${app.html_url}` : ""}.`);
  say(`Its private key is in ${keyFile} and its webhook secret in ${secretFile} (readable by you only).`);
  say("Set them on the Worker, then install the App on your org (its page, Install App):");
  say(`  echo ${app.id} | npx wrangler secret put GITHUB_APP_ID`);
  say(`  npx wrangler secret put GITHUB_APP_PRIVATE_KEY < ${keyFile}`);
  say(`  npx wrangler secret put GITHUB_APP_WEBHOOK_SECRET < ${secretFile}`);
  return 0;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
}
