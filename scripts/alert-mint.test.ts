import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClerkInstances } from "../dev/clerk-instances.ts";
import { createClerkStandin } from "../dev/clerk-standin.ts";
import { type RunningServer, serve } from "../dev/serve.ts";
import { type MintedKind, mintCredential } from "./alert-mint.ts";

// `npm run alert -- --kind …` against Clerk stand-ins served on loopback, as npm start serves them: one instance, and
// npm start's two behind one host.
const SHAPES: Record<MintedKind, RegExp> = {
  m2m: /^mt_\w{32}$/,
  "machine-secret": /^ak_\w{40}$/,
  oauth: /^oat_\w{32}$/,
  "m2m-jwt": /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/,
  "oauth-jwt": /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/,
};
const KINDS = Object.keys(SHAPES) as MintedKind[];

let single: RunningServer;
let pair: RunningServer;
const staging = createClerkStandin({ secretKey: "sk_test_staging" });
const prod = createClerkStandin({ secretKey: "sk_live_prod" });

beforeAll(async () => {
  single = await serve(createClerkStandin({ secretKey: "sk_test_single" }).handle);
  pair = await serve(
    createClerkInstances([
      { name: "prod", secretKey: "sk_live_prod", standin: prod },
      { name: "staging", secretKey: "sk_test_staging", standin: staging },
    ]).handle,
  );
});
afterAll(async () => {
  await single?.close();
  await pair?.close();
});

function header(jwt: string): unknown {
  return JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString("utf8"));
}

describe("npm run alert's fresh credentials (--kind)", () => {
  it.each(KINDS)("mints --kind %s from a one-instance stand-in", async (kind) => {
    const minted = await mintCredential(single.url, kind, "staging");
    if (!minted.ok) throw new Error(minted.error);
    expect(minted.value.value).toMatch(SHAPES[kind]);
  });

  it("mints a fresh one every time", async () => {
    const first = await mintCredential(single.url, "oauth", "staging");
    const second = await mintCredential(single.url, "oauth", "staging");
    expect(first.ok && second.ok && first.value.value !== second.value.value).toBe(true);
  });

  it("mints in the named instance of npm start's two", async () => {
    const minted = await mintCredential(pair.url, "m2m", "prod");
    if (!minted.ok) throw new Error(minted.error);
    const ids = async (standin: typeof prod) =>
      (
        (await (await standin.handle(new Request("http://x/__standin/m2m_tokens"))).json()) as {
          id: string;
        }[]
      ).map((t) => t.id);
    expect(await ids(prod)).toEqual([minted.value.id]);
    expect(await ids(staging)).toEqual([]);
    const inStaging = await mintCredential(pair.url, "m2m-jwt", "staging");
    if (!inStaging.ok) throw new Error(inStaging.error);
    expect(header(inStaging.value.value)).toMatchObject({ typ: "JWT", cat: "cl_B7d4PD333AAA" });
  });

  it("marks OAuth JWTs at+jwt", async () => {
    const minted = await mintCredential(single.url, "oauth-jwt", "staging");
    if (!minted.ok) throw new Error(minted.error);
    expect(header(minted.value.value)).toMatchObject({ typ: "at+jwt", alg: "RS256" });
  });

  it("refuses, naming the stand-in, when an instance is not there or nothing listens", async () => {
    const missing = await mintCredential(pair.url, "oauth", "dev");
    expect(missing.ok ? "" : missing.error).toContain("answered 404");
    const nothing = await mintCredential("http://127.0.0.1:9", "oauth", "staging");
    expect(nothing.ok ? "" : nothing.error).toContain(
      "cannot reach the Clerk stand-in at http://127.0.0.1:9",
    );
  });
});
