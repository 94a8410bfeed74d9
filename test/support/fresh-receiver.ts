/**
 * @module
 * Run before every test of the main suite (vitest.config.ts `setupFiles`): the NOTIFY_URL receiver is shared by every
 * file, and a failure scripted in one test (say `failNotify(410, 5)`, of which a final 410 uses one) must not answer
 * the next test's delivery. Files reset Clerk themselves; this receiver had no owner, and CI once failed on exactly
 * that leftover.
 */
import { beforeEach } from "vitest";
import { NOTIFY } from "./standins";

beforeEach(async () => {
  const res = await fetch(`${NOTIFY}/__standin/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`the NOTIFY_URL stand-in's reset answered ${res.status}`);
});
