import { describe, expect, it } from "vitest";
import { clerkInstancesOf, MAX_CLERK_INSTANCES, parseClerkInstances } from "./clerk-instances";

const LIVE = "sk_live_0123456789abcdefSECRETPART";
const TEST = "sk_test_0123456789abcdefSECRETPART";

describe("parseClerkInstances", () => {
  it("reads name=sk_... entries separated by commas or newlines, in order", () => {
    const parsed = parseClerkInstances(`staging=${TEST},\n prod = ${LIVE}\r\n`);
    expect(parsed).toEqual({
      ok: true,
      value: [
        { name: "staging", secretKey: TEST },
        { name: "prod", secretKey: LIVE },
      ],
    });
  });

  it("names a malformed entry by position (and name), never quoting its key", () => {
    const cases = [
      [`prod=${LIVE},${TEST}`, "entry 2"],
      [`Prod!=${LIVE}`, "entry 1"],
      [`prod=pk_live_SECRETPART`, "entry 1 (prod)"],
      [`prod=${LIVE},prod=${TEST}`, "entry 2 (prod) repeats an instance name"],
      [`prod=${LIVE},other=${LIVE}`, "entry 2 (other) repeats the key"],
    ] as const;
    for (const [text, expected] of cases) {
      const parsed = parseClerkInstances(text);
      expect(parsed.ok).toBe(false);
      const problems = parsed.ok ? "" : parsed.error.join("; ");
      expect(problems).toContain(expected);
      expect(problems).not.toContain("SECRETPART");
    }
  });

  it("refuses an empty list and a list too long", () => {
    expect(parseClerkInstances(" , \n").ok).toBe(false);
    const many = Array.from({ length: MAX_CLERK_INSTANCES + 1 }, (_, i) => `i${i}=sk_test_${i}`).join(",");
    expect(parseClerkInstances(many).ok).toBe(false);
  });
});

describe("clerkInstancesOf", () => {
  it("calls CLERK_SECRET_KEY alone the instance default", () => {
    expect(clerkInstancesOf(TEST, undefined)).toEqual({
      ok: true,
      value: [{ name: "default", secretKey: TEST }],
    });
  });

  it("puts production instances first, the rest in the order given", () => {
    const parsed = clerkInstancesOf(undefined, [
      { name: "a", secretKey: `${TEST}a` },
      { name: "b", secretKey: `${LIVE}b` },
      { name: "c", secretKey: `${TEST}c` },
    ]);
    expect(parsed.ok && parsed.value.map((i) => i.name)).toEqual(["b", "a", "c"]);
  });

  it("with both set, adds CLERK_SECRET_KEY as default unless the list holds its key", () => {
    const list = [{ name: "prod", secretKey: LIVE }];
    const both = clerkInstancesOf(TEST, list);
    expect(both.ok && both.value.map((i) => i.name)).toEqual(["prod", "default"]);
    const same = clerkInstancesOf(LIVE, list);
    expect(same.ok && same.value.map((i) => i.name)).toEqual(["prod"]);
  });

  it("refuses a list entry named default beside another CLERK_SECRET_KEY, and no key at all", () => {
    expect(clerkInstancesOf(TEST, [{ name: "default", secretKey: LIVE }]).ok).toBe(false);
    expect(clerkInstancesOf(undefined, undefined).ok).toBe(false);
  });
});
