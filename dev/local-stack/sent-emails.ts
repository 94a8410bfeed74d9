/**
 * @module
 * Where the local Worker's owner emails go (issue 26). Under `wrangler dev` the `send_email` binding (`EMAIL`) sends
 * nothing: Miniflare writes each email's text and HTML to files under `.wrangler/tmp/email/` (a folder per wrangler
 * session, removed when it stops) and logs their paths in wrangler's output, after a line
 * `send_email binding called with MessageBuilder:`. This reads that output as it comes and hands on each file's path
 * and the email's recipient, so `npm start` can say where to look. It never reads or passes on a subject or a body:
 * the files are the only copy. No runtime-specific imports, so its tests run beside the stand-ins' in workerd.
 */

/** Where Miniflare writes the emails of every wrangler session run from `root` (the repository, a POSIX path). */
export function localEmailDirectory(root: string): string {
  return `${root.replace(/\/+$/, "")}/.wrangler/tmp/email`;
}

/** One file of a sent email, as wrangler's output named it. */
export interface SentEmailFile {
  /** Counts the emails seen since the watcher started, from 1: the files of one email share it. */
  email: number;
  /** The email's first `To:` address as logged, when it came before the file. */
  to: string | undefined;
  /** `Text` and `HTML` for a MessageBuilder email, `Email` for a raw one (the whole message, .eml). */
  kind: "Text" | "HTML" | "Email";
  path: string;
}

const EMAIL_STARTS = /send_email binding called with (MessageBuilder|the following message):/;
// Only the block's first line carries the log's `[wrangler:info]` prefix; the others are allowed one all the same.
const FILE_LINE = /^(?:\[[^\]]*\]\s*)?(Text|HTML|Email): (\S.*)$/;
const TO_LINE = /^(?:\[[^\]]*\]\s*)?To: (.+)$/;
/** The other lines of the logged block: headers, attachments, the blank line before the files. */
const OTHER_BLOCK_LINE = /^(?:\[[^\]]*\]\s*)?(From|Cc|Bcc|Subject): |^Attachment \(|^$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes, which Miniflare's log line carries.
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * A sink for wrangler's output, in pieces as they arrive (lines may be split across pieces), that calls `onFile` for
 * each email file the output names.
 */
export function sentEmailWatcher(onFile: (file: SentEmailFile) => void): (chunk: string) => void {
  let partial = "";
  let emails = 0;
  let current: { email: number; to: string | undefined } | undefined;

  const line = (raw: string) => {
    const text = raw.replace(ANSI, "").trim();
    if (EMAIL_STARTS.test(text)) {
      emails++;
      current = { email: emails, to: undefined };
      return;
    }
    if (current === undefined) return;
    const file = FILE_LINE.exec(text);
    if (file) {
      onFile({ ...current, kind: file[1] as SentEmailFile["kind"], path: file[2] ?? "" });
      return;
    }
    const to = TO_LINE.exec(text);
    if (to) {
      current.to ??= to[1]?.split(",")[0]?.trim();
      return;
    }
    // Anything else ends the block: a later line of the Worker's own is not an email's.
    if (!OTHER_BLOCK_LINE.test(text)) current = undefined;
  };

  return (chunk) => {
    const lines = (partial + chunk).split(/\r?\n/);
    partial = lines.pop() ?? "";
    for (const l of lines) line(l);
  };
}
