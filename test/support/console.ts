/** Captures everything the Worker writes to the console during a test, to scan for secrets. */
import { vi } from "vitest";

const originalInfo = console.info.bind(console);

/** Prints to the real console even while it is captured: for numbers a test reports. */
export const report = (fields: Record<string, unknown>) => originalInfo(JSON.stringify(fields));

export function captureConsole(): { text: () => string; restore: () => void } {
  const lines: string[] = [];
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    }),
  );
  return {
    text: () => lines.join("\n"),
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}
