import { describe, expect, it } from "vitest";
import { localEmailDirectory, type SentEmailFile, sentEmailWatcher } from "./sent-emails.ts";

// What Miniflare's send_email binding logs through wrangler (miniflare's send_email.worker.js): a prefixed, coloured
// first line, the headers, a blank line, then a line per file.
const BLUE = "\u001b[34m";
const RESET = "\u001b[39m";
const logged = (to: string, id: string) =>
  [
    `[wrangler:info] ${BLUE}send_email binding called with MessageBuilder:${RESET}`,
    "From: autorevoke@example.test",
    `To: ${to}`,
    "Subject: Your Clerk API key DEMO_BILLING_SERVICE leaked and was revoked",
    "",
    `Text: /repo/.wrangler/tmp/email/session/email-text/${id}.txt`,
    `HTML: /repo/.wrangler/tmp/email/session/email-html/${id}.html`,
    "",
  ].join("\n");

function watch() {
  const files: SentEmailFile[] = [];
  return { files, sink: sentEmailWatcher((f) => files.push(f)) };
}

describe("sent-email watcher (wrangler's output of the send_email binding)", () => {
  it("names each email's files and recipient, in pieces split anywhere", () => {
    const { files, sink } = watch();
    const output = `[wrangler:info] GET /health 200 OK (3ms)\n${logged("owner+billing-service@example.test", "a1")}${logged("b@example.test, c@example.test", "b2")}`;
    for (let i = 0; i < output.length; i += 7) sink(output.slice(i, i + 7));
    expect(files).toEqual([
      {
        email: 1,
        to: "owner+billing-service@example.test",
        kind: "Text",
        path: "/repo/.wrangler/tmp/email/session/email-text/a1.txt",
      },
      {
        email: 1,
        to: "owner+billing-service@example.test",
        kind: "HTML",
        path: "/repo/.wrangler/tmp/email/session/email-html/a1.html",
      },
      {
        email: 2,
        to: "b@example.test",
        kind: "Text",
        path: "/repo/.wrangler/tmp/email/session/email-text/b2.txt",
      },
      {
        email: 2,
        to: "b@example.test",
        kind: "HTML",
        path: "/repo/.wrangler/tmp/email/session/email-html/b2.html",
      },
    ]);
    // Nothing of the subject or a body is handed on.
    expect(JSON.stringify(files)).not.toContain("Subject");
    expect(JSON.stringify(files)).not.toContain("leaked");
  });

  it("takes a raw message's one file, and no Text: line outside an email's block", () => {
    const { files, sink } = watch();
    sink("Text: /not/an/email.txt\n");
    sink(`${BLUE}send_email binding called with the following message:${RESET}\nEmail: /repo/x.eml\n`);
    sink('{"level":"info","event":"revoked"}\nText: /after/the/block.txt\n');
    expect(files).toEqual([{ email: 1, to: undefined, kind: "Email", path: "/repo/x.eml" }]);
  });

  it("says where Miniflare writes a repository's emails", () => {
    expect(localEmailDirectory("/work/main/")).toBe("/work/main/.wrangler/tmp/email");
  });
});
