/**
 * @module
 * Gitleaks v8's JSON report (`gitleaks detect --report-format json`): an array of findings whose keys are the Go
 * field names (report/finding.go). Only the fields a sighting needs are checked; extra ones are ignored. Pure.
 */
import * as v from "valibot";
import { findingUrl, issuePath, type ReportResult } from "./scanner-findings.ts";

/** One Gitleaks finding, as far as a sighting needs it. `Link` is omitempty. */
const GitleaksFindingSchema = v.object({
  RuleID: v.string(),
  Secret: v.string(),
  File: v.string(),
  Commit: v.optional(v.string(), ""),
  StartLine: v.number(),
  Link: v.optional(v.string()),
});

/** The report: a JSON array of findings. */
const GitleaksReportSchema = v.array(GitleaksFindingSchema);

/** The findings of a Gitleaks JSON report as generic-alert matches. */
export function parseGitleaksReport(text: string): ReportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: { kind: "not_json" } };
  }
  const parsed = v.safeParse(GitleaksReportSchema, json);
  if (!parsed.success) return { ok: false, error: { kind: "bad_shape", path: issuePath(parsed.issues) } };
  return {
    ok: true,
    value: parsed.output.map((f) => ({
      token: f.Secret,
      type: `gitleaks:${f.RuleID}`,
      url: findingUrl(f.Link, f.File, f.Commit, f.StartLine),
      source: "gitleaks",
    })),
  };
}
