/**
 * Finds a secret in text, in any form a careless line of code could leave it in: whole, any 12-character window of
 * it (a slice, a prefix too long), its base64 (standard or URL-safe, at every alignment, so a secret inside a larger
 * encoded blob is found too) and its URL encoding. Pure, so it can be tested against the leaks it must catch.
 */

/** Shortest window of a secret that counts as leaking it: longer than any prefix autorevoke shows (7 characters). */
export const LEAK_WINDOW_CHARS = 12;

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The base64 forms of `secret` as it would appear inside a longer encoded text: for each of the three alignments,
 * the characters that depend on the secret's bytes alone.
 */
function base64Forms(secret: string): string[] {
  const bytes = encoder.encode(secret);
  const forms: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const padded = new Uint8Array(pad + bytes.length);
    padded.set(bytes, pad);
    const text = base64(padded).replace(/=+$/, "");
    // Drop the characters that mix in the padding bytes before, and the last one, which may mix in what follows.
    const core = text.slice(Math.ceil((pad * 4) / 3), -1);
    forms.push(core, core.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return forms;
}

/** Every form of `secret` worth looking for, before windowing. */
export function secretForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), ...base64Forms(secret)])];
}

/**
 * Finds secrets in haystacks. It grows with `add`: a test file may send thousands of secrets, and rebuilding the
 * windows of every one of them for each test's scan would cost seconds.
 */
export interface LeakScanner {
  /** Looks for these secrets too (secrets already known are skipped). */
  add(secrets: Iterable<string>): void;
  /** The first leak found: where, and which secret (by its first characters only). */
  find(haystacks: Record<string, string>): { where: string; secretPrefix: string; form: string } | undefined;
}

const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * A 32-bit polynomial hash of a window: `hashWindow(text, i)` for the window at `i`, `rollWindow` for the one after it.
 * `find` looks at every position of megabytes of text; the hash lets it skip the positions no window can start at
 * without cutting a string for each (see `WINDOW_FILTER_BITS`).
 */
const HASH_BASE = 31;
const HASH_BASE_TOP = Array.from({ length: LEAK_WINDOW_CHARS - 1 }).reduce<number>(
  (power) => Math.imul(power, HASH_BASE),
  1,
);
function hashWindow(text: string, at: number): number {
  let hash = 0;
  for (let i = at; i < at + LEAK_WINDOW_CHARS; i++)
    hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(i)) | 0;
  return hash;
}
const rollWindow = (hash: number, out: number, into: number) =>
  (Math.imul(hash - Math.imul(out, HASH_BASE_TOP), HASH_BASE) + into) | 0;

/**
 * A filter over the windows' hashes (a one-hash Bloom filter): a position whose hash's bit is clear starts no window,
 * and only the others are looked up in the windows themselves, so what is found is exactly what the lookup alone
 * would find. 2^26 bits (8 MiB) keep a few million windows' bits sparse.
 */
const WINDOW_FILTER_BITS = 26;
function filterBit(hash: number): number {
  // murmur3's finalizer: the polynomial hash's low bits alone are poorly spread.
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> (32 - WINDOW_FILTER_BITS);
}

/** Builds a scanner for `secrets`. */
export function createLeakScanner(secrets: Iterable<string> = []): LeakScanner {
  const known = new Set<string>();
  const windows = new Map<string, { secretPrefix: string; form: string }>();
  const filter = new Uint32Array(2 ** WINDOW_FILTER_BITS / 32);
  // Every character any form of any secret uses: a leak is a run of these, so the rest of a haystack (JSON's quotes
  // and commas, spaces) splits it into runs, and only runs long enough to hold a window are searched.
  const alphabet = new Set<string>();
  let runs: RegExp | undefined;
  /** Secrets shorter than a window (none of the suite's are), looked for whole. */
  const short: { needle: string; secretPrefix: string; form: string }[] = [];

  const scanner: LeakScanner = {
    add(more) {
      for (const secret of more) {
        if (known.has(secret)) continue;
        known.add(secret);
        const secretPrefix = secret.slice(0, 6);
        secretForms(secret).forEach((form, index) => {
          for (const char of form) {
            if (!alphabet.has(char)) {
              alphabet.add(char);
              runs = undefined;
            }
          }
          const name =
            index === 0
              ? "whole or a window"
              : form === encodeURIComponent(secret)
                ? "URL-encoded"
                : "base64";
          if (form.length < LEAK_WINDOW_CHARS) short.push({ needle: form, secretPrefix, form: name });
          const found = { secretPrefix, form: name };
          let hash = form.length < LEAK_WINDOW_CHARS ? 0 : hashWindow(form, 0);
          for (let i = 0; i + LEAK_WINDOW_CHARS <= form.length; i++) {
            if (i > 0)
              hash = rollWindow(hash, form.charCodeAt(i - 1), form.charCodeAt(i + LEAK_WINDOW_CHARS - 1));
            windows.set(form.slice(i, i + LEAK_WINDOW_CHARS), found);
            const bit = filterBit(hash);
            filter[bit >>> 5] = (filter[bit >>> 5] ?? 0) | (1 << (bit & 31));
          }
        });
      }
    },
    find(haystacks) {
      runs ??= new RegExp(`[${[...alphabet].map(unicodeEscape).join("")}]{${LEAK_WINDOW_CHARS},}`, "g");
      for (const [where, text] of Object.entries(haystacks)) {
        const whole = short.find((s) => text.includes(s.needle));
        if (whole) return { where, secretPrefix: whole.secretPrefix, form: whole.form };
        if (windows.size === 0) continue;
        for (const run of text.matchAll(runs)) {
          const found = run[0];
          let hash = hashWindow(found, 0);
          for (let i = 0; i + LEAK_WINDOW_CHARS <= found.length; i++) {
            if (i > 0)
              hash = rollWindow(hash, found.charCodeAt(i - 1), found.charCodeAt(i + LEAK_WINDOW_CHARS - 1));
            const bit = filterBit(hash);
            if (((filter[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0) continue;
            const hit = windows.get(found.slice(i, i + LEAK_WINDOW_CHARS));
            if (hit) return { where, ...hit };
          }
        }
      }
      return undefined;
    },
  };
  scanner.add(secrets);
  return scanner;
}
