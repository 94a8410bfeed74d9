/**
 * @module
 * TruffleHog v3's `--json` output: one finding per line (pkg/output/json.go). The location comes from
 * `SourceMetadata.Data.<Source>` (Git, Github, Gitlab, Filesystem, ...: a protobuf oneof), read as
 * `{file, commit?, line?, link?}` whatever the source. Extra fields are ignored. Pure.
 */
import * as v from "valibot";
import { findingUrl, issuePath, type ReportResult, type ScannerMatch } from "./scanner-findings.ts";

/** The location fields the sources share; each is optional since sources differ. */
const LocationSchema = v.object({
  file: v.optional(v.string(), ""),
  commit: v.optional(v.string(), ""),
  line: v.optional(v.number(), 0),
  link: v.optional(v.string()),
});

/** One TruffleHog finding, as far as a sighting needs it. */
const TrufflehogFindingSchema = v.object({
  SourceMetadata: v.object({ Data: v.record(v.string(), LocationSchema) }),
  DetectorName: v.string(),
  Verified: v.boolean(),
  Raw: v.string(),
});

/** The findings of a TruffleHog JSONL report as generic-alert matches; blank lines are skipped. */
export function parseTrufflehogReport(text: string): ReportResult {
  const value: ScannerMatch[] = [];
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === "") continue;
    const line = index + 1;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return { ok: false, error: { kind: "not_json", line } };
    }
    const parsed = v.safeParse(TrufflehogFindingSchema, json);
    if (!parsed.success)
      return { ok: false, error: { kind: "bad_shape", line, path: issuePath(parsed.issues) } };
    const where = Object.values(parsed.output.SourceMetadata.Data)[0] ?? { file: "", commit: "", line: 0 };
    value.push({
      token: parsed.output.Raw,
      type: `trufflehog:${parsed.output.DetectorName}`,
      url: findingUrl(where.link, where.file, where.commit, where.line),
      source: "trufflehog",
    });
  }
  return { ok: true, value };
}
