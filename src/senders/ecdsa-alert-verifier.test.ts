import { describe, expect, it } from "vitest";
import { generateP256, signDer, utf8 } from "../../test/support/test-signing";
import { toBase64 } from "../lib/encoding";
import { err, ok } from "../lib/result";
import { verifyAlert } from "./alert-verifier";
import { createEcdsaAlertVerifier, MAX_SIGNATURE_HEADER_CHARS } from "./ecdsa-alert-verifier";
import type { KeyCache } from "./key-cache";

const ID_HEADER = "Github-Public-Key-Identifier";
const SIG_HEADER = "Github-Public-Key-Signature";
const KEY_ID = "ab".repeat(32);
const bodyBytes = utf8(
  `[{"token":"ak_live_example","type":"clerk_api_key","url":"https://example.com","source":"content"}]`,
);
const body = bodyBytes.slice().buffer;

/** A sender, a verifier trusting its key under KEY_ID, and a count of key lookups. */
async function setup(lookup?: KeyCache["get"]) {
  const { privateKey, publicKey } = await generateP256();
  let lookups = 0;
  const keys: Pick<KeyCache, "get"> = {
    get: async (id) => {
      lookups++;
      if (lookup) return lookup(id);
      return id === KEY_ID ? ok(publicKey) : err("unknown_key");
    },
  };
  const verifier = createEcdsaAlertVerifier({
    keys,
    identifierHeader: ID_HEADER,
    signatureHeader: SIG_HEADER,
  });
  const verify = (h: Headers, b: ArrayBuffer) => verifyAlert(verifier, h, b);
  const signature = await signDer(privateKey, bodyBytes);
  return { verifier, verify, signature, privateKey, lookups: () => lookups };
}

const headers = (entries: Record<string, string>) => new Headers(entries);

describe("createEcdsaAlertVerifier", () => {
  describe("happy path", () => {
    it("accepts a body signed by the listed key", async () => {
      const { verify, signature } = await setup();
      const result = await verify(headers({ [ID_HEADER]: KEY_ID, [SIG_HEADER]: signature }), body);
      expect(result).toEqual({ ok: true, value: undefined });
    });

    it("matches upper-case header names, as GitHub's older docs print them", async () => {
      const { verify, signature } = await setup();
      const result = await verify(
        headers({ "GITHUB-PUBLIC-KEY-IDENTIFIER": KEY_ID, "GITHUB-PUBLIC-KEY-SIGNATURE": signature }),
        body,
      );
      expect(result.ok).toBe(true);
    });

    it("matches lower-case header names", async () => {
      const { verify, signature } = await setup();
      const result = await verify(
        headers({ "github-public-key-identifier": KEY_ID, "github-public-key-signature": signature }),
        body,
      );
      expect(result.ok).toBe(true);
    });
  });

  describe("errors", () => {
    it("answers missing_headers without the key id", async () => {
      const { verify, signature, lookups } = await setup();
      expect(await verify(headers({ [SIG_HEADER]: signature }), body)).toEqual(
        err({ kind: "missing_headers" }),
      );
      expect(lookups()).toBe(0);
    });

    it("answers missing_headers without the signature", async () => {
      const { verify } = await setup();
      expect(await verify(headers({ [ID_HEADER]: KEY_ID }), body)).toEqual(err({ kind: "missing_headers" }));
    });

    it("answers missing_headers for empty header values", async () => {
      const { verify } = await setup();
      expect(await verify(headers({ [ID_HEADER]: "", [SIG_HEADER]: "" }), body)).toEqual(
        err({ kind: "missing_headers" }),
      );
    });

    it("answers unknown_key for a key id not in the list", async () => {
      const { verify, signature } = await setup();
      const result = await verify(headers({ [ID_HEADER]: "cd".repeat(32), [SIG_HEADER]: signature }), body);
      expect(result).toEqual(err({ kind: "unknown_key" }));
    });

    it("answers keys_unavailable when the key list cannot be fetched", async () => {
      const { verify, signature } = await setup(async () => err("keys_unavailable"));
      const result = await verify(headers({ [ID_HEADER]: KEY_ID, [SIG_HEADER]: signature }), body);
      expect(result).toEqual(err({ kind: "keys_unavailable" }));
    });

    it("answers malformed_signature for a signature that is not base64 DER", async () => {
      const { verify } = await setup();
      const result = await verify(headers({ [ID_HEADER]: KEY_ID, [SIG_HEADER]: "garbage!" }), body);
      expect(result).toEqual(err({ kind: "malformed_signature" }));
    });
  });

  describe("attacks", () => {
    it("refuses missing headers in the header stage, before there is a body to read", async () => {
      const { verifier, lookups } = await setup();
      expect(verifier(headers({}))).toEqual(err({ kind: "missing_headers" }));
      expect(lookups()).toBe(0);
    });

    it("refuses a malformed signature in the header stage", async () => {
      const { verifier } = await setup();
      expect(verifier(headers({ [ID_HEADER]: KEY_ID, [SIG_HEADER]: "garbage!" }))).toEqual(
        err({ kind: "malformed_signature" }),
      );
    });

    it("answers bad_signature for a tampered body", async () => {
      const { verify, signature } = await setup();
      const tampered = utf8(new TextDecoder().decode(bodyBytes).replace("content", "commit")).slice().buffer;
      const result = await verify(headers({ [ID_HEADER]: KEY_ID, [SIG_HEADER]: signature }), tampered);
      expect(result).toEqual(err({ kind: "bad_signature" }));
    });

    it("answers bad_signature for a signature from another key", async () => {
      const { verify } = await setup();
      const forged = await signDer((await generateP256()).privateKey, bodyBytes);
      const result = await verify(headers({ [ID_HEADER]: KEY_ID, [SIG_HEADER]: forged }), body);
      expect(result).toEqual(err({ kind: "bad_signature" }));
    });

    it("rejects a malformed signature before looking up any key", async () => {
      const { verify, lookups } = await setup();
      const result = await verify(
        headers({ [ID_HEADER]: "ef".repeat(32), [SIG_HEADER]: toBase64(utf8("junk")) }),
        body,
      );
      expect(result).toEqual(err({ kind: "malformed_signature" }));
      expect(lookups()).toBe(0);
    });

    it("rejects an absurdly long signature header before decoding it", async () => {
      const { verify, lookups } = await setup();
      const long = "A".repeat(MAX_SIGNATURE_HEADER_CHARS + 4);
      const result = await verify(headers({ [ID_HEADER]: KEY_ID, [SIG_HEADER]: long }), body);
      expect(result).toEqual(err({ kind: "malformed_signature" }));
      expect(lookups()).toBe(0);
    });

    it("rejects an absurdly long key id without looking it up", async () => {
      const { verify, signature, lookups } = await setup();
      const result = await verify(
        headers({ [ID_HEADER]: "a".repeat(10_000), [SIG_HEADER]: signature }),
        body,
      );
      expect(result).toEqual(err({ kind: "unknown_key" }));
      expect(lookups()).toBe(0);
    });

    it("rejects two signature headers joined by the Headers object", async () => {
      const { verify, signature } = await setup();
      const h = headers({ [ID_HEADER]: KEY_ID });
      h.append(SIG_HEADER, signature);
      h.append(SIG_HEADER, signature);
      expect(await verify(h, body)).toEqual(err({ kind: "malformed_signature" }));
    });
  });
});
