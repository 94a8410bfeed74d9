/**
 * @module
 * The senders' public key list, `{"public_keys": [{"key_identifier", "key", "is_current"?}]}`, validated at the
 * trust boundary. GitHub, GitLab and deps.dev all serve this shape.
 */
import * as v from "valibot";
import { err, ok, type Result } from "../lib/result";

/** More keys than any sender publishes (GitHub lists two or three); a longer list is not a key list. */
export const MAX_KEY_LIST_ENTRIES = 100;
/** A key identifier is a hex SHA-256 (64 characters); this leaves room without accepting junk. */
export const MAX_KEY_IDENTIFIER_CHARS = 128;
/** A P-256 SPKI PEM is about 180 characters; this admits larger curves and generous line breaks. */
export const MAX_PEM_CHARS = 4096;

/** One published key. Unknown fields are dropped; `is_current` is optional because retiring keys still sign. */
export const KeyEntrySchema = v.object({
  key_identifier: v.pipe(
    v.string(),
    v.nonEmpty(),
    v.maxLength(MAX_KEY_IDENTIFIER_CHARS),
    // Identifiers are compared as lowercase hex; normalise once here.
    v.toLowerCase(),
  ),
  key: v.pipe(v.string(), v.nonEmpty(), v.maxLength(MAX_PEM_CHARS)),
  is_current: v.optional(v.boolean()),
});

/** The whole key list document. */
export const KeyListSchema = v.object({
  public_keys: v.pipe(v.array(KeyEntrySchema), v.maxLength(MAX_KEY_LIST_ENTRIES)),
});

/** A validated key list entry, identifier lowercased. */
export type KeyEntry = v.InferOutput<typeof KeyEntrySchema>;

/** Validates a parsed key list document; any structural problem rejects the whole list. */
export function parseKeyList(json: unknown): Result<KeyEntry[], "invalid_key_list"> {
  const parsed = v.safeParse(KeyListSchema, json);
  return parsed.success ? ok(parsed.output.public_keys) : err("invalid_key_list");
}
