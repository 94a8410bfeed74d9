import { describe, expect, it } from "vitest";
import { fromBase64, toBase64, toHex } from "./encoding";

const everyByte = () => Uint8Array.from({ length: 256 }, (_, i) => i);

describe("toHex", () => {
  describe("happy path", () => {
    it("writes two lowercase digits per byte, keeping leading zeros", () => {
      expect(toHex(new Uint8Array([0x00, 0x0a, 0xab, 0xff]))).toBe("000aabff");
    });

    it("reads an ArrayBuffer the same as its bytes", () => {
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      expect(toHex(bytes.buffer)).toBe(toHex(bytes));
    });
  });

  describe("edge cases", () => {
    it("writes nothing for no bytes", () => {
      expect(toHex(new Uint8Array(0))).toBe("");
    });

    it("reads only the bytes a subarray view covers", () => {
      const view = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
      expect(toHex(view)).toBe("0203");
    });
  });
});

describe("toBase64 and fromBase64", () => {
  describe("happy path", () => {
    it("encodes standard base64 with padding", () => {
      expect(toBase64(new TextEncoder().encode("hello"))).toBe("aGVsbG8=");
    });

    it("decodes standard base64", () => {
      expect(new TextDecoder().decode(fromBase64("aGVsbG8="))).toBe("hello");
    });

    it("round-trips every byte value", () => {
      const bytes = everyByte();
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    });

    it("round-trips random bytes of every length up to 64", () => {
      for (let n = 0; n <= 64; n++) {
        const bytes = crypto.getRandomValues(new Uint8Array(n));
        expect(fromBase64(toBase64(bytes))).toEqual(bytes);
      }
    });
  });

  describe("errors", () => {
    it("answers undefined for characters outside the alphabet", () => {
      expect(fromBase64("not base64!")).toBeUndefined();
    });

    it("answers undefined for a length that cannot be base64", () => {
      expect(fromBase64("abcde")).toBeUndefined();
    });
  });
});
