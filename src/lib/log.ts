/**
 * @module
 * Structured logs: one JSON object per line, so Workers Logs can index the fields. Callers pass
 * hashes and prefixes, never raw tokens; `redact` exists for text that may have echoed one.
 */

/** Fields of a log line. */
export type LogFields = Record<string, string | number | boolean | null | undefined | object>;

/** A logger: an event name plus fields. */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

function line(level: string, event: string, fields: LogFields | undefined): string {
  return JSON.stringify({ level, event, ...fields });
}

/** The console logger used by the Worker. */
export const consoleLogger: Logger = {
  info: (event, fields) => console.log(line("info", event, fields)),
  warn: (event, fields) => console.warn(line("warn", event, fields)),
  error: (event, fields) => console.error(line("error", event, fields)),
};

/** Replaces every occurrence of `secret` in `text` with `[redacted]`. */
export function redact(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join("[redacted]") : text;
}
