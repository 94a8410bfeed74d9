import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { render } from "./errors";
import { RevocationRequestSchema } from "./requests";
import { badFields } from "./validate";

const known = new Set(["secret", "key_id", "reason"]);
const issuesOf = (input: unknown) => {
  const parsed = v.safeParse(RevocationRequestSchema, input);
  if (parsed.success) throw new Error("expected a failure");
  return parsed.issues;
};

describe("refusals", () => {
  it("name the schema's fields at fault, unions included", () => {
    expect(badFields(issuesOf({ reason: "" }), known)).toEqual(["key_id", "reason", "secret"]);
    expect(badFields(issuesOf({ key_id: "ak_nope" }), known)).toContain("key_id");
  });

  it("never carry a value or a key the client made up", () => {
    const secret = "ak_0123456789abcdefghijklmnop";
    const fields = badFields(issuesOf({ secret, [secret]: secret, "<b>": 1 }), known);
    const { body } = render({ kind: "invalid_input", target: "json", fields });
    const text = JSON.stringify(body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("<b>");
    expect(body.error).toBe("Invalid request body; see /docs.");
  });
});
