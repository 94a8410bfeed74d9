/**
 * @module
 * Small pieces shared by the dev stand-ins: JSON responses with an exact content type, hashing, random strings,
 * request-body reading and an abortable sleep. Web-standard APIs only, so it runs in Node and in workerd.
 */

/**
 * The exact content type every stand-in JSON response carries. `@clerk/backend` parses a body as JSON only when
 * `content-type` equals this string, so a `; charset=utf-8` suffix would silently break it.
 */
export const JSON_CONTENT_TYPE = "application/json";

/** A JSON response whose `content-type` is exactly `application/json`. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "content-type": JSON_CONTENT_TYPE },
  });
}

/** Lowercase hex SHA-256 of a UTF-8 string or of raw bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  // A copy over a plain ArrayBuffer: what WebCrypto accepts in both workerd and Node.
  const bytes = new Uint8Array(typeof data === "string" ? new TextEncoder().encode(data) : data);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return toHex(new Uint8Array(digest));
}

/** Lowercase hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Digits, upper- and lower-case letters. */
export const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A random string of `length` characters drawn uniformly from `alphabet` (rejection sampling, no modulo bias). */
export function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The outcome of reading a request body as JSON. */
export type JsonBody =
  | { kind: "empty" }
  | { kind: "invalid"; text: string }
  | { kind: "json"; text: string; value: unknown };

/** Reads the whole body once; never throws. */
export async function readJsonBody(request: Request): Promise<JsonBody> {
  const text = await request.text();
  if (text.length === 0) return { kind: "empty" };
  try {
    return { kind: "json", text, value: JSON.parse(text) as unknown };
  } catch {
    return { kind: "invalid", text };
  }
}

/**
 * Waits `ms`, or less when any of `signals` aborts. Resolves `true` when the full time passed.
 * `unref` lets a long fault-injected hang not keep a Node process alive on its own (Node only; a no-op in workerd).
 */
export function sleep(
  ms: number,
  signals: readonly (AbortSignal | undefined)[] = [],
  unref = false,
): Promise<boolean> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  if (live.some((s) => s.aborted)) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener("abort", onAbort);
      resolve(false);
    };
    const timer = setTimeout(() => {
      for (const s of live) s.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    // A number in workerd, a Timeout object in Node: only the object can be unref'd.
    const handle: unknown = timer;
    if (
      unref &&
      typeof handle === "object" &&
      handle !== null &&
      "unref" in handle &&
      typeof handle.unref === "function"
    ) {
      handle.unref();
    }
    for (const s of live) s.addEventListener("abort", onAbort);
  });
}
