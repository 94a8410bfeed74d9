/**
 * @module
 * What `npm run alert --from <scanner>` sends: a scanner's findings as generic-alert matches, kept only when the
 * secret can be a Clerk one (the Worker's own shape check, so the script and the Worker agree). Pure.
 */
import { isClerkSecretShape } from "../src/domain/clerk-ids.ts";

/** A scanner whose report `--from` reads. */
export type Scanner = "gitleaks" | "trufflehog";

/** One finding as a generic alert match (`{token, type, url, source}` of src/domain/alert-body.ts). */
export interface ScannerMatch {
  token: string;
  type: string;
  url: string;
  source: Scanner;
}

/** Why a report was refused. `line` is 1-based (JSONL line, or absent for a whole-file JSON error). */
export type ReportError =
  | { kind: "not_json"; line?: number }
  | { kind: "bad_shape"; line?: number; path: string };

/** A parse outcome. */
export type ReportResult = { ok: true; value: ScannerMatch[] } | { ok: false; error: ReportError };

/** The sighting's location: the scanner's web link when it has one, else `file:<path>@<commit>#L<line>`. */
export function findingUrl(link: string | undefined, file: string, commit: string, line: number): string {
  if (link) return link;
  return `file:${file}${commit ? `@${commit}` : ""}${line > 0 ? `#L${line}` : ""}`;
}

/** The Clerk-shaped matches, and how many were skipped as not Clerk-shaped. */
export function keepClerkShaped(matches: readonly ScannerMatch[]): { kept: ScannerMatch[]; skipped: number } {
  const kept = matches.filter((m) => isClerkSecretShape(m.token));
  return { kept, skipped: matches.length - kept.length };
}

/** A one-line error for the operator: where the report is wrong, never what it holds (it holds secrets). */
export function scannerErrorMessage(scanner: Scanner, error: ReportError): string {
  const where = error.line === undefined ? "" : ` at line ${error.line}`;
  switch (error.kind) {
    case "not_json":
      return `The ${scanner} report is not valid JSON${where}.`;
    case "bad_shape":
      return `The ${scanner} report is not in ${scanner}'s format${where} (field ${error.path || "(root)"}).`;
  }
}

/** The dotted path of valibot's first issue, keys only (values could be secrets). */
export function issuePath(issues: readonly { path?: readonly { key: unknown }[] }[]): string {
  return (issues[0]?.path ?? []).map((p) => String(p.key)).join(".");
}
