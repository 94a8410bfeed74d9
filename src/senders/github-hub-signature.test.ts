import { describe, expect, it } from "vitest";
import { verifyHubSignature } from "./github-hub-signature";

// GitHub's own test vector (docs: "Validating webhook deliveries").
const SECRET = "It's a Secret to Everybody";
const PAYLOAD = "Hello, World!";
const SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

describe("X-Hub-Signature-256", () => {
  it("accepts GitHub's test vector", async () => {
    expect(await verifyHubSignature(SECRET, PAYLOAD, SIGNATURE)).toBe(true);
  });

  it("refuses the vector's signature over a payload changed by one character", async () => {
    expect(await verifyHubSignature(SECRET, "Hello, World?", SIGNATURE)).toBe(false);
  });

  it("refuses the vector's payload under another secret", async () => {
    expect(await verifyHubSignature("It's a Secret to Nobody", PAYLOAD, SIGNATURE)).toBe(false);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["without its sha256= prefix", SIGNATURE.slice(7)],
    ["in upper case", SIGNATURE.toUpperCase()],
    ["cut short", SIGNATURE.slice(0, -2)],
    ["the legacy sha1", "sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0"],
  ])("refuses a header %s", async (_name, header) => {
    expect(await verifyHubSignature(SECRET, PAYLOAD, header)).toBe(false);
  });
});
