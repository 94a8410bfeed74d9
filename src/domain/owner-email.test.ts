import { describe, expect, it } from "vitest";
import { buildOwnerEmail, isEmailAddress, MAX_URLS_LISTED, maskAddress, ownerKindOf } from "./owner-email";

const facts = {
  keyName: "Billing export",
  tokenPrefix: "ak_3bee…",
  keyId: "ak_3beecc9c60adb5f9b850e91a8ee1e992",
  instance: "default",
  revokedAt: Date.UTC(2026, 11, 4, 9, 30),
  urls: ["https://github.com/octo/app/blob/main/.env"],
};

describe("buildOwnerEmail", () => {
  it("names the key by name, prefix and id, says where it was found, when it was revoked and what to do", () => {
    const { subject, text } = buildOwnerEmail(facts, "security@example.com");
    expect(subject).toBe('Your Clerk API key "Billing export" was leaked and has been revoked');
    expect(text).toContain('"Billing export" (prefix ak_3bee…, id ak_3beecc9c60adb5f9b850e91a8ee1e992)');
    expect(text).toContain("  - https://github.com/octo/app/blob/main/.env");
    expect(text).toContain("revoked at 2026-12-04 09:30 UTC");
    expect(text).toContain("cannot be restored");
    expect(text).toContain("Create a new API key");
    expect(text).toContain("Check what used the old key");
    expect(text).toContain("write to security@example.com");
  });

  it("says the scanner did not say where, when no sighting has a URL", () => {
    const { text, html } = buildOwnerEmail({ ...facts, urls: [] }, undefined);
    expect(text).toContain("The scanner did not say where it found the key.");
    expect(html).toContain("The scanner did not say where it found the key.");
    expect(text).toContain("Ask the team that runs your Clerk application.");
  });

  it("lists at most ten places and counts the rest", () => {
    const urls = Array.from({ length: 13 }, (_, i) => `https://example.test/${i}`);
    const { text } = buildOwnerEmail({ ...facts, urls }, undefined);
    expect(text.match(/ {2}- https:\/\/example\.test\//g)).toHaveLength(MAX_URLS_LISTED);
    expect(text).toContain("(and 3 more places)");
  });

  it("keeps a key name with line breaks or markup from adding a header line or HTML", () => {
    const email = buildOwnerEmail({ ...facts, keyName: 'x\r\nBcc: all@example.com <script>"' }, undefined);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("&lt;script&gt;&quot;");
  });

  it("has HTML that says the same, with no image, link to autorevoke or tracking", () => {
    const { html } = buildOwnerEmail(facts, "security@example.com");
    expect(html).toContain("<strong>Billing export</strong>");
    expect(html).toContain("<li>https://github.com/octo/app/blob/main/.env</li>");
    expect(html).not.toMatch(/<img|<a |https?:\/\/[^<]*autorevoke/i);
  });
});

describe("owners and addresses", () => {
  it("reaches users and organisations, never machines or OAuth clients", () => {
    expect(ownerKindOf("user_2xhFjEI5X2qWRvtV13BzSj8H6Dk")).toBe("user");
    expect(ownerKindOf("org_2xhFjEI5X2qWRvtV13BzSj8H6Dk")).toBe("organization");
    expect(ownerKindOf("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")).toBe("none");
    expect(ownerKindOf("client_2xhFjEI5X2qWRvtV13BzSj8H6Dk")).toBe("none");
    expect(ownerKindOf(null)).toBe("none");
  });

  it("masks an address to its first letter and domain", () => {
    expect(maskAddress("jane.doe@example.com")).toBe("j***@example.com");
    expect(maskAddress("not-an-address")).toBe("***");
  });

  it("takes plain addresses only", () => {
    expect(isEmailAddress("security@example.com")).toBe(true);
    expect(isEmailAddress("Security <security@example.com>")).toBe(false);
    expect(isEmailAddress("a@b")).toBe(false);
    expect(isEmailAddress("a@example.com\r\nBcc: x@y.z")).toBe(false);
  });
});
