import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateGithubAppKey } from "../dev/github-app-key.ts";
import { createGithubStandin } from "../dev/github-standin.ts";
import { type RunningServer, serve } from "../dev/serve.ts";
import { main } from "./github-app.ts";

let dir: string;
let github: RunningServer;
const key = generateGithubAppKey();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "autorevoke-github-app-"));
  let standin: ReturnType<typeof createGithubStandin> | undefined;
  github = await serve((request) => (standin as NonNullable<typeof standin>).handle(request), {
    port: 0,
    hostname: "127.0.0.1",
  });
  standin = createGithubStandin({
    appId: "31337",
    publicKeyPem: key.publicKeyPem,
    origin: github.url,
    manifestPem: key.privateKeyPem,
  });
});

afterAll(async () => {
  await github.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  const lines: string[] = [];
  const code = await main(["--out", dir, ...argv], (line) => lines.push(line));
  return { code, out: lines.join("\n") };
}

describe("npm run github-app", () => {
  it("writes a page that posts the App's manifest to the org's new-App form", async () => {
    const { code, out } = await run("--worker", "https://autorevoke.example.workers.dev", "--org", "acme");
    expect(code).toBe(0);
    const page = await readFile(path.join(dir, "manifest.html"), "utf8");
    expect(page).toContain('action="https://github.com/organizations/acme/settings/apps/new" method="post"');
    const manifest = JSON.parse(
      (/name="manifest" value="([^"]*)"/.exec(page)?.[1] ?? "")
        .replaceAll("&quot;", '"')
        .replaceAll("&amp;", "&"),
    );
    expect(manifest).toMatchObject({
      url: "https://autorevoke.example.workers.dev",
      hook_attributes: { url: "https://autorevoke.example.workers.dev/v1/github-app/webhook", active: true },
      default_permissions: { secret_scanning_alerts: "write" },
      default_events: ["secret_scanning_alert", "secret_scanning_alert_location"],
    });
    expect(out).toContain("manifest.html");
  });

  it("exchanges the code for the App's credentials, writes them for the owner only, and prints neither", async () => {
    const { code: manifestCode } = (await (
      await fetch(`${github.url}/__standin/manifest-code`, { method: "POST", body: "{}" })
    ).json()) as { code: string };
    const { code, out } = await run("--code", manifestCode, "--api-url", github.url);
    expect(code).toBe(0);
    const keyFile = path.join(dir, "private-key.pem");
    expect(await readFile(keyFile, "utf8")).toBe(key.privateKeyPem);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, "webhook-secret"))).mode & 0o777).toBe(0o600);
    expect(out).toContain("App ID 31337");
    expect(out).toContain("npx wrangler secret put GITHUB_APP_PRIVATE_KEY <");
    expect(out).not.toContain(key.privateKeyPem.split("\n")[1] ?? "-");
    expect(out).not.toContain("manifest-webhook-secret");
  });

  it("exits 1, saying why, for a code GitHub does not take (each is good once)", async () => {
    const { code, out } = await run("--code", "code_not_issued_0123", "--api-url", github.url);
    expect(code).toBe(1);
    expect(out).toContain("GitHub answered 404");
  });

  it("exits 2 for a code that is not one, without calling GitHub", async () => {
    const { code, out } = await run("--code", "../../etc", "--api-url", github.url);
    expect(code).toBe(2);
    expect(out).toContain("--code is the code GitHub put in the redirect");
  });
});
