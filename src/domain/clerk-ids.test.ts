import { describe, expect, it } from "vitest";
import { clerkCredentialTypeOf, isClerkSecretShape, operatorIdTypeOf } from "./clerk-ids";

const PRINTABLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("");
const randomFrom = (alphabet: string, length: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(length)), (b) => alphabet[b % alphabet.length]).join("");
const secretOfLength = (n: number) => `ak_${randomFrom(PRINTABLE, n)}`;

describe("isClerkSecretShape", () => {
  describe("accepts", () => {
    it("an ak_ secret of printable ASCII", () => {
      expect(isClerkSecretShape(secretOfLength(40))).toBe(true);
    });

    it("a key id (ak_ and 32 hex digits), which verify later sorts out", () => {
      expect(isClerkSecretShape(`ak_${randomFrom("0123456789abcdef", 32)}`)).toBe(true);
    });

    it("the shortest and longest bodies, 16 and 256 characters", () => {
      expect(isClerkSecretShape(secretOfLength(16))).toBe(true);
      expect(isClerkSecretShape(secretOfLength(256))).toBe(true);
    });
  });

  describe("rejects", () => {
    it("a bare short ak_x", () => {
      expect(isClerkSecretShape("ak_x")).toBe(false);
    });

    it("a body one character too short or too long", () => {
      expect(isClerkSecretShape(secretOfLength(15))).toBe(false);
      expect(isClerkSecretShape(secretOfLength(257))).toBe(false);
    });

    it("a token with a space inside", () => {
      const token = secretOfLength(40);
      expect(isClerkSecretShape(`${token.slice(0, 20)} ${token.slice(20)}`)).toBe(false);
    });

    it("a token with surrounding whitespace or a trailing newline", () => {
      const token = secretOfLength(40);
      for (const padded of [` ${token}`, `${token} `, `${token}\n`, `\t${token}`]) {
        expect(isClerkSecretShape(padded)).toBe(false);
      }
    });

    it("a token with non-ASCII characters", () => {
      expect(isClerkSecretShape(`ak_${"a".repeat(20)}é`)).toBe(false);
    });

    it("other prefixes, including an upper-case AK_", () => {
      const body = randomFrom("abcdefghijklmnopqrstuvwxyz0123456789", 40);
      for (const prefix of ["AK_", "sk_live_", "sk_test_", "pk_live_", "ak-", "xak_"]) {
        expect(isClerkSecretShape(`${prefix}${body}`)).toBe(false);
      }
    });

    it("a GitHub personal access token", () => {
      expect(isClerkSecretShape(`ghp_${randomFrom("ABCDEFabcdef0123456789", 36)}`)).toBe(false);
    });

    it("the empty string", () => {
      expect(isClerkSecretShape("")).toBe(false);
    });
  });
});

/** A JWT of the given header and payload; the signature part is random (shape only: nothing here verifies it). */
const jwtOf = (header: Record<string, unknown>, payload: Record<string, unknown>) => {
  const part = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
  return `${part(header)}.${part(payload)}.${randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 86)}`;
};
const EXP = Math.floor(Date.now() / 1000) + 3600;

describe("clerkCredentialTypeOf", () => {
  it("calls an oat_ token an opaque OAuth access token", () => {
    expect(clerkCredentialTypeOf(`oat_${randomFrom("0123456789ABCDEFabcdef", 32)}`)).toBe(
      "clerk_oauth_access_token",
    );
  });

  it("calls an mt_ token an opaque M2M token and an ak_ one an API key", () => {
    expect(clerkCredentialTypeOf(`mt_${randomFrom("abcdef0123456789", 32)}`)).toBe("clerk_m2m_token");
    expect(clerkCredentialTypeOf(secretOfLength(40))).toBe("clerk_api_key");
  });

  it("calls a JWT whose subject is a machine an M2M JWT, with or without Clerk's M2M category", () => {
    const payload = {
      sub: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
      exp: EXP,
      jti: "mt_0ef5a7a33d87ed87ee7954c845d80450",
    };
    expect(clerkCredentialTypeOf(jwtOf({ alg: "RS256", kid: "ins_1", typ: "JWT" }, payload))).toBe(
      "clerk_m2m_jwt",
    );
    expect(
      clerkCredentialTypeOf(
        jwtOf({ alg: "RS256", kid: "ins_1", typ: "JWT", cat: "cl_B7d4PD333AAA" }, payload),
      ),
    ).toBe("clerk_m2m_jwt");
  });

  it("calls a JWT of type at+jwt an OAuth JWT access token", () => {
    const payload = { sub: "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk", client_id: "client_1", exp: EXP };
    expect(clerkCredentialTypeOf(jwtOf({ alg: "RS256", kid: "ins_1", typ: "at+jwt" }, payload))).toBe(
      "clerk_oauth_jwt",
    );
    expect(
      clerkCredentialTypeOf(jwtOf({ alg: "RS256", kid: "ins_1", typ: "application/at+jwt" }, payload)),
    ).toBe("clerk_oauth_jwt");
  });

  it("costs no call for a session JWT (a user's, not a machine credential)", () => {
    const payload = { sub: "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk", sid: "sess_1", exp: EXP };
    expect(clerkCredentialTypeOf(jwtOf({ alg: "RS256", kid: "ins_1", typ: "JWT" }, payload))).toBeUndefined();
  });

  it("costs no call for a machine-shaped JWT of another category, without a key id, or without an expiry", () => {
    const payload = { sub: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk", exp: EXP };
    expect(
      clerkCredentialTypeOf(jwtOf({ alg: "RS256", kid: "ins_1", cat: "cl_B7d4PD111AAA" }, payload)),
    ).toBeUndefined();
    expect(clerkCredentialTypeOf(jwtOf({ alg: "RS256", typ: "JWT" }, payload))).toBeUndefined();
    expect(
      clerkCredentialTypeOf(
        jwtOf({ alg: "RS256", kid: "ins_1" }, { sub: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk" }),
      ),
    ).toBeUndefined();
  });

  it("costs no call for three dotted parts that are not JSON, nor for another vendor's token", () => {
    expect(clerkCredentialTypeOf("abcdefghij.klmnopqrstuv.wxyzABCDEFGHIJKLMNOP")).toBeUndefined();
    expect(clerkCredentialTypeOf(`ghp_${randomFrom("abcdefghijklmnop0123456789", 36)}`)).toBeUndefined();
    expect(clerkCredentialTypeOf(`oat_${randomFrom("abc", 10)}`)).toBeUndefined();
  });
});

describe("operatorIdTypeOf", () => {
  it("tells an API key id, an M2M token id and a machine id apart, and refuses anything else", () => {
    expect(operatorIdTypeOf(`ak_${randomFrom("0123456789abcdef", 32)}`)).toBe("clerk_api_key_id");
    expect(operatorIdTypeOf(`mt_${randomFrom("0123456789abcdef", 32)}`)).toBe("clerk_m2m_token_id");
    expect(operatorIdTypeOf("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")).toBe("clerk_machine_id");
    expect(operatorIdTypeOf("mch_../../users")).toBeUndefined();
    expect(operatorIdTypeOf(`ak_${randomFrom("0123456789abcdef", 31)}`)).toBeUndefined();
  });
});
