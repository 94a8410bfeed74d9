/**
 * @module
 * Telling Node's system errors apart by their `code`, the only stable thing about them. Node only.
 */

/** Whether an error is a Node system error with this `code` (`EADDRINUSE`, `ESRCH`, `ENOENT`, ...). */
export function isErrnoException(error: unknown, code: string): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error && error.code === code;
}
