/**
 * Every secret a test file's helpers hand out or put in an alert, so the secrecy check looks for it without each test
 * remembering to say so: `createLiveKey` and `match` (./standins.ts) note theirs here. One registry per test file,
 * since each file runs in its own module graph.
 */
const noted = new Set<string>();

/** Notes a secret the file has sent or holds. */
export function noteSecret(secret: string): void {
  noted.add(secret);
}

/** The secrets noted so far. */
export const notedSecrets = (): ReadonlySet<string> => noted;
