/**
 * @module
 * Structured logs: one JSON object per line, so Workers Logs can index the fields. Callers pass
 * hashes, prefixes and reason codes: never raw tokens, and never an upstream error message, which
 * could quote one.
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
  // A field named `level` or `event` never replaces the line's own: the event name is what logs are searched by.
  const { level: _level, event: _event, ...rest } = fields ?? {};
  return JSON.stringify({ level, event, ...rest });
}

/** The console logger used by the Worker. */
export const consoleLogger: Logger = {
  info: (event, fields) => console.log(line("info", event, fields)),
  warn: (event, fields) => console.warn(line("warn", event, fields)),
  error: (event, fields) => console.error(line("error", event, fields)),
};
