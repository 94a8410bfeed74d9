import { describe, expect, it } from "vitest";
import { derToP1363 } from "./der";

/** `n` bytes of `fill`. */
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
/** DER INTEGER with raw content bytes (no normalisation: tests build bad encodings too). */
const int = (content: Uint8Array) => Uint8Array.of(0x02, content.length, ...content);
/** DER SEQUENCE with a short-form length. */
const seq = (...parts: Uint8Array[]) => {
  const body = parts.flatMap((p) => [...p]);
  return Uint8Array.of(0x30, body.length, ...body);
};
const r32 = bytes(32, 0x11);
const s32 = bytes(32, 0x22);
const good = seq(int(r32), int(s32));

function expectP1363(der: Uint8Array): Uint8Array {
  const result = derToP1363(der);
  if (!result.ok) throw new Error(`expected a signature, got ${result.error}`);
  expect(result.value).toHaveLength(64);
  return result.value;
}

describe("derToP1363", () => {
  describe("happy path", () => {
    it("concatenates two 32-byte integers", () => {
      expect(expectP1363(seq(int(r32), int(s32)))).toEqual(Uint8Array.of(...r32, ...s32));
    });

    it("strips the 0x00 sign byte of a 33-byte r whose high bit is set", () => {
      const r = bytes(32, 0x80);
      expect(expectP1363(seq(int(Uint8Array.of(0, ...r)), int(s32))).subarray(0, 32)).toEqual(r);
    });

    it("left-pads a 31-byte s to 32 bytes", () => {
      const s = bytes(31, 0x33);
      expect(expectP1363(seq(int(r32), int(s))).subarray(32)).toEqual(Uint8Array.of(0, ...s));
    });

    it("handles a 33-byte r and a 31-byte s together", () => {
      const r = bytes(32, 0xff);
      const s = bytes(31, 0x44);
      expect(expectP1363(seq(int(Uint8Array.of(0, ...r)), int(s)))).toEqual(Uint8Array.of(...r, 0, ...s));
    });

    it("left-pads a one-byte integer", () => {
      expect(expectP1363(seq(int(Uint8Array.of(0x05)), int(s32))).subarray(0, 32)).toEqual(
        Uint8Array.of(...bytes(31, 0), 0x05),
      );
    });

    it("honours another integer size (P-384: 48 bytes)", () => {
      const result = derToP1363(seq(int(bytes(48, 0x11)), int(bytes(48, 0x22))), 48);
      expect(result.ok && result.value.length).toBe(96);
    });

    it("accepts the long-form sequence length 0x81 for a body of 128 bytes or more", () => {
      const body = [
        ...int(Uint8Array.of(0, ...bytes(62, 0x81))),
        ...int(Uint8Array.of(0, ...bytes(62, 0x82))),
      ];
      expect(body.length).toBeGreaterThanOrEqual(0x80);
      const result = derToP1363(Uint8Array.of(0x30, 0x81, body.length, ...body), 62);
      expect(result.ok).toBe(true);
    });
  });

  describe("errors", () => {
    it("rejects empty input", () => {
      expect(derToP1363(new Uint8Array(0))).toEqual({ ok: false, error: "malformed_der" });
    });

    it("rejects a wrong outer tag", () => {
      expect(derToP1363(Uint8Array.of(0x31, ...good.subarray(1))).ok).toBe(false);
    });

    it("rejects a wrong integer tag", () => {
      const bad = good.slice();
      bad[2] = 0x03;
      expect(derToP1363(bad).ok).toBe(false);
    });

    it("rejects truncated input", () => {
      expect(derToP1363(good.subarray(0, good.length - 1)).ok).toBe(false);
    });

    it("rejects a sequence cut short after r", () => {
      expect(derToP1363(seq(int(r32))).ok).toBe(false);
    });

    it("rejects trailing bytes after the sequence", () => {
      expect(derToP1363(Uint8Array.of(...good, 0x00)).ok).toBe(false);
    });

    it("rejects extra bytes inside the sequence after s", () => {
      expect(derToP1363(seq(int(r32), int(s32), Uint8Array.of(0x00))).ok).toBe(false);
    });

    it("rejects a sequence length that does not match the input", () => {
      const bad = good.slice();
      bad[1] = (bad[1] ?? 0) - 1;
      expect(derToP1363(bad).ok).toBe(false);
    });

    it("rejects an integer length running past the sequence", () => {
      const bad = good.slice();
      bad[3] = 0x40;
      expect(derToP1363(bad).ok).toBe(false);
    });

    it("rejects an integer with more than 32 significant bytes", () => {
      expect(derToP1363(seq(int(bytes(33, 0x11)), int(s32))).ok).toBe(false);
    });

    it("rejects a zero-length integer", () => {
      expect(derToP1363(seq(int(new Uint8Array(0)), int(s32))).ok).toBe(false);
    });

    it("rejects the indefinite length form", () => {
      expect(derToP1363(Uint8Array.of(0x30, 0x80, ...good.subarray(2), 0, 0)).ok).toBe(false);
    });

    it("rejects a long-form length where the short form fits", () => {
      expect(derToP1363(Uint8Array.of(0x30, 0x81, good.length - 2, ...good.subarray(2))).ok).toBe(false);
    });
  });

  describe("attacks", () => {
    it("rejects a negative integer (high bit set without a sign byte)", () => {
      expect(derToP1363(seq(int(bytes(32, 0x80)), int(s32))).ok).toBe(false);
    });

    it("rejects a redundant leading zero, so one signature has one encoding", () => {
      expect(derToP1363(seq(int(Uint8Array.of(0, ...bytes(31, 0x11))), int(s32))).ok).toBe(false);
    });

    it("rejects a 33-byte integer whose first byte is not a sign byte", () => {
      expect(derToP1363(seq(int(Uint8Array.of(0x01, ...bytes(32, 0x80))), int(s32))).ok).toBe(false);
    });

    it("rejects a length field claiming gigabytes", () => {
      expect(derToP1363(Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, ...good.subarray(2))).ok).toBe(
        false,
      );
    });
  });
});

describe("derToP1363 refuses lengths in non-minimal form", () => {
  const body = good.subarray(2);

  it("a two-byte length for a body under 128 bytes (30 82 00 44 …)", () => {
    expect(body.length).toBe(0x44);
    expect(derToP1363(Uint8Array.of(0x30, 0x82, 0x00, body.length, ...body))).toEqual({
      ok: false,
      error: "malformed_der",
    });
  });

  it("a one-byte long form for a body under 128 bytes (30 81 44 …)", () => {
    expect(derToP1363(Uint8Array.of(0x30, 0x81, body.length, ...body))).toEqual({
      ok: false,
      error: "malformed_der",
    });
  });

  it("while the same body with a short-form length is accepted", () => {
    expect(derToP1363(Uint8Array.of(0x30, body.length, ...body)).ok).toBe(true);
  });
});
