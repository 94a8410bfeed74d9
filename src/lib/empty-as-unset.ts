/**
 * @module
 * An optional text field where the empty string means "not given": an unfilled form field, or the `""` placeholder
 * wrangler.toml uses for a setting that is not set.
 */
import * as v from "valibot";

/** `schema`, optional, with `""` read as absent. */
export const emptyAsUnset = <T extends v.GenericSchema<string, unknown>>(schema: T) =>
  v.optional(
    v.union([
      v.pipe(
        v.literal(""),
        v.transform(() => undefined),
      ),
      schema,
    ]),
  );
