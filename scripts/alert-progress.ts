/**
 * @module
 * Progress for `npm run alert` on stderr, so stdout stays the report: the phases of a large batch, and a spinner
 * while the Worker works (a terminal only; a pipe gets one plain line, and only for a large batch).
 */

/** Spinner frames, one per `SPINNER_FRAME_MS`. */
const SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
const SPINNER_FRAME_MS = 100;
/** Returns to the start of the line and clears it, so the spinner leaves nothing behind. */
const CLEAR_LINE = "\r\x1b[2K";

/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Progress of one run. */
export interface Progress {
  /** A step of a large batch. */
  phase(text: string): void;
  /** A spinner while waiting (a terminal only), or one line for a large batch elsewhere. */
  wait(text: string): void;
  /** Stops the spinner and clears its line. */
  done(): void;
}

/** Progress on `stream`; `verbose` (a large batch) shows the phases too. */
export function createProgress(stream: ProgressStream, verbose: boolean): Progress {
  let timer: ReturnType<typeof setInterval> | undefined;
  let shown = false;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    if (shown) stream.write(CLEAR_LINE);
    shown = false;
  };
  return {
    phase(text) {
      if (verbose) stream.write(`${text}…\n`);
    },
    wait(text) {
      stop();
      if (!stream.isTTY) {
        if (verbose) stream.write(`${text}…\n`);
        return;
      }
      const started = Date.now();
      let frame = 0;
      timer = setInterval(() => {
        shown = true;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        stream.write(`\r${SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length]} ${text}… ${seconds} s`);
      }, SPINNER_FRAME_MS);
    },
    done: stop,
  };
}
