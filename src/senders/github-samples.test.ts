import { describe, expect, it } from "vitest";
import {
  DOCS_TEST_KEY_ID,
  DOCS_TEST_KEY_PEM,
  EDITED_BODY_SAMPLE,
  GITHUB_KEY_90A4_ID,
  GITHUB_KEY_90A4_PEM,
  GITHUB_KEY_BCB5_ID,
  GITHUB_KEY_BCB5_PEM,
  GITHUB_KEY_LIST_JSON,
  type GitHubSample,
  PLACEHOLDER_SIGNATURE_SAMPLE,
  VALID_SAMPLES,
} from "../../test/fixtures/github-samples";
import { fakeFetch, utf8 } from "../../test/support/test-signing";
import { fromBase64 } from "../lib/encoding";
import { sha256Hex } from "../lib/hash";
import { consoleLogger } from "../lib/log";
import { verifyAlert } from "./alert-verifier";
import { createEcdsaAlertVerifier } from "./ecdsa-alert-verifier";
import { createKeyCache } from "./key-cache";

/** The production path: a key cache fed the published list through fetch, and GitHub's header names. */
function githubVerifier(keyListJson: string) {
  const fake = fakeFetch(
    () => new Response(keyListJson, { headers: { "content-type": "application/json" } }),
  );
  const keys = createKeyCache({
    url: "https://api.github.test/meta/public_keys/secret_scanning",
    fetch: fake.fetch,
    now: Date.now,
    log: consoleLogger,
  });
  const verifier = createEcdsaAlertVerifier({
    keys,
    identifierHeader: "Github-Public-Key-Identifier",
    signatureHeader: "Github-Public-Key-Signature",
  });
  return (headers: Headers, body: ArrayBuffer) => verifyAlert(verifier, headers, body);
}

/** Headers spelled as the older docs print them, upper-case. */
const sampleHeaders = (sample: Pick<GitHubSample, "keyIdentifier" | "signature">) =>
  new Headers({
    "GITHUB-PUBLIC-KEY-IDENTIFIER": sample.keyIdentifier,
    "GITHUB-PUBLIC-KEY-SIGNATURE": sample.signature,
  });

const bytesOf = (body: string) => utf8(body).slice().buffer;

describe("GitHub's published samples", () => {
  describe("happy path", () => {
    it.each(VALID_SAMPLES.map((s) => [s.name, s] as const))("verifies the %s", async (_name, sample) => {
      const verify = githubVerifier(sample.keyListJson);
      expect(await verify(sampleHeaders(sample), bytesOf(sample.body))).toEqual({
        ok: true,
        value: undefined,
      });
    });

    it("reproduces the current sample's documented Content-Length of 104 bytes", () => {
      expect(utf8(VALID_SAMPLES[0]?.body ?? "").length).toBe(104);
    });

    it("reproduces the test-key sample's documented Content-Length of 83 bytes", () => {
      expect(utf8(VALID_SAMPLES[1]?.body ?? "").length).toBe(83);
    });

    it.each(VALID_SAMPLES.map((s) => [s.name, s] as const))(
      "has the noted DER integer widths: %s",
      (_n, sample) => {
        const der = fromBase64(sample.signature) ?? new Uint8Array(0);
        const rLength = der[3] ?? 0;
        expect({ r: rLength, s: der[5 + rLength] }).toEqual(sample.derIntegerBytes);
      },
    );

    it.each([
      [GITHUB_KEY_90A4_ID, GITHUB_KEY_90A4_PEM],
      [GITHUB_KEY_BCB5_ID, GITHUB_KEY_BCB5_PEM],
      [DOCS_TEST_KEY_ID, DOCS_TEST_KEY_PEM],
    ])("holds the PEM whose SHA-256 is its key identifier %s", async (id, pem) => {
      expect(await sha256Hex(pem)).toBe(id);
    });
  });

  describe("attacks", () => {
    it.each(VALID_SAMPLES.map((s) => [s.name, s] as const))(
      "rejects the %s with a trailing newline",
      async (_n, sample) => {
        const verify = githubVerifier(sample.keyListJson);
        const result = await verify(sampleHeaders(sample), bytesOf(`${sample.body}\n`));
        expect(result).toEqual({ ok: false, error: { kind: "bad_signature" } });
      },
    );

    it("rejects the current sample re-serialised with spaces", async () => {
      const sample = VALID_SAMPLES[0];
      if (!sample) throw new Error("no sample");
      const verify = githubVerifier(sample.keyListJson);
      const reformatted = JSON.stringify(JSON.parse(sample.body), null, 1);
      expect((await verify(sampleHeaders(sample), bytesOf(reformatted))).ok).toBe(false);
    });

    it("rejects the docs revision whose body was edited after signing", async () => {
      const verify = githubVerifier(GITHUB_KEY_LIST_JSON);
      const result = await verify(sampleHeaders(EDITED_BODY_SAMPLE), bytesOf(EDITED_BODY_SAMPLE.body));
      expect(result).toEqual({ ok: false, error: { kind: "bad_signature" } });
    });

    it("rejects the oldest docs example's placeholder signature as malformed", async () => {
      const verify = githubVerifier(GITHUB_KEY_LIST_JSON);
      const sample = PLACEHOLDER_SIGNATURE_SAMPLE;
      const result = await verify(sampleHeaders(sample), bytesOf(sample.body));
      expect(result).toEqual({ ok: false, error: { kind: "malformed_signature" } });
    });

    it("rejects a sample presented under the other GitHub key's identifier", async () => {
      const sample = VALID_SAMPLES[0];
      if (!sample) throw new Error("no sample");
      const verify = githubVerifier(GITHUB_KEY_LIST_JSON);
      const result = await verify(
        sampleHeaders({ ...sample, keyIdentifier: GITHUB_KEY_90A4_ID }),
        bytesOf(sample.body),
      );
      expect(result).toEqual({ ok: false, error: { kind: "bad_signature" } });
    });
  });
});
