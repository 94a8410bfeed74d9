/**
 * @module
 * bench/latency.svg, written by hand (no plotting dependency): time to answer and time to revoke against the
 * number of live keys in one alert, both axes logarithmic (the sizes and the times each span four decades or
 * more), next to the 6-connection lower bound and GitHub's 15 s answer deadline. Pure: data in, SVG text out.
 */
import { fmt } from "./stats.ts";

export interface LatencyPoint {
  keys: number;
  answerMs: number;
  revokeMs: number;
  boundMs: number;
}

export interface PlotOptions {
  latencyMs: number;
  /** A line across the plot, e.g. GitHub's deadline. */
  deadlineMs: number;
  /** Shown under the title: where and when the numbers were taken. */
  subtitle: string;
}

const WIDTH = 820;
const HEIGHT = 540;
const MARGIN = { left: 90, right: 30, top: 70, bottom: 70 };
const COLORS = {
  answer: "#1f6feb",
  revoke: "#d9480f",
  bound: "#495057",
  deadline: "#c92a2a",
  grid: "#e9ecef",
};

/** The SVG document. Throws on an empty series. */
export function renderLatencySvg(points: readonly LatencyPoint[], options: PlotOptions): string {
  if (points.length === 0) throw new Error("nothing to plot");
  const sorted = [...points].sort((a, b) => a.keys - b.keys);
  const xs = sorted.map((p) => p.keys);
  const ys = sorted.flatMap((p) => [p.answerMs, p.revokeMs, p.boundMs]).concat(options.deadlineMs);
  const xDecades = decades(Math.min(...xs), Math.max(...xs));
  const yDecades = decades(Math.min(...ys), Math.max(...ys));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (keys: number) =>
    MARGIN.left + ((Math.log10(keys) - xDecades.lo) / (xDecades.hi - xDecades.lo || 1)) * plotW;
  const y = (ms: number) =>
    MARGIN.top + plotH - ((Math.log10(ms) - yDecades.lo) / (yDecades.hi - yDecades.lo || 1)) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(WIDTH / 2, 28, "Time to answer and time to revoke, by live keys in one alert", {
      anchor: "middle",
      size: 17,
      weight: "bold",
    }),
    text(WIDTH / 2, 48, `Clerk latency ${fmt(options.latencyMs)} ms per call · ${options.subtitle}`, {
      anchor: "middle",
      size: 12,
      fill: "#495057",
    }),
  );

  // Grid and ticks: every decade labelled, the 2–9 multiples as faint lines.
  for (let d = yDecades.lo; d <= yDecades.hi; d++) {
    for (let m = 1; m < 10 && (m === 1 || d < yDecades.hi); m++) {
      const py = y(m * 10 ** d);
      out.push(line(MARGIN.left, py, MARGIN.left + plotW, py, COLORS.grid, m === 1 ? 1 : 0.5));
    }
    out.push(text(MARGIN.left - 8, y(10 ** d) + 4, msLabel(10 ** d), { anchor: "end" }));
  }
  for (let d = xDecades.lo; d <= xDecades.hi; d++) {
    for (let m = 1; m < 10 && (m === 1 || d < xDecades.hi); m++) {
      const px = x(m * 10 ** d);
      out.push(line(px, MARGIN.top, px, MARGIN.top + plotH, COLORS.grid, m === 1 ? 1 : 0.5));
    }
    out.push(text(x(10 ** d), MARGIN.top + plotH + 20, fmt(10 ** d), { anchor: "middle" }));
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#868e96"/>`,
    text(MARGIN.left + plotW / 2, HEIGHT - 22, "live Clerk keys in one alert (log scale)", {
      anchor: "middle",
      size: 14,
    }),
    `<text transform="translate(24 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="14">` +
      "time (log scale)</text>",
  );

  // The deadline, then the bound, then the measurements on top.
  const dy = y(options.deadlineMs);
  out.push(
    `<line x1="${MARGIN.left}" y1="${r(dy)}" x2="${MARGIN.left + plotW}" y2="${r(dy)}" stroke="${COLORS.deadline}" ` +
      `stroke-width="1.5" stroke-dasharray="2 4"/>`,
    // Over the small batches, where the measured lines run far below it.
    text(MARGIN.left + plotW * 0.3, dy - 6, `GitHub's ${msLabel(options.deadlineMs)} answer deadline`, {
      anchor: "middle",
      fill: COLORS.deadline,
      size: 12,
    }),
  );
  const bound = sorted.map((p) => [x(p.keys), y(p.boundMs)] as const);
  out.push(polyline(bound, COLORS.bound, "7 5"));
  const answer = sorted.map((p) => [x(p.keys), y(p.answerMs)] as const);
  const revoke = sorted.map((p) => [x(p.keys), y(p.revokeMs)] as const);
  out.push(polyline(revoke, COLORS.revoke));
  for (const [px, py] of revoke) {
    out.push(
      `<rect x="${r(px - 4.5)}" y="${r(py - 4.5)}" width="9" height="9" fill="${COLORS.revoke}" stroke="#ffffff"/>`,
    );
  }
  out.push(polyline(answer, COLORS.answer));
  for (const [px, py] of answer) {
    out.push(`<circle cx="${r(px)}" cy="${r(py)}" r="5" fill="${COLORS.answer}" stroke="#ffffff"/>`);
  }

  // Legend, top left, where the lines start lowest.
  const lx = MARGIN.left + 16;
  const ly = MARGIN.top + 16;
  out.push(
    `<rect x="${lx - 8}" y="${ly - 12}" width="330" height="84" fill="#ffffff" fill-opacity="0.92" stroke="#ced4da"/>`,
    legendEntry(lx, ly, COLORS.answer, "circle", "time to answer (POST round trip)"),
    legendEntry(lx, ly + 20, COLORS.revoke, "square", "time to revoke (every key revoked in Clerk)"),
    legendEntry(lx, ly + 40, COLORS.bound, "dashed", "lower bound: keys × 2 calls × latency / 6"),
    legendEntry(lx, ly + 60, COLORS.deadline, "dotted", "GitHub's answer deadline"),
    "</svg>",
  );
  return `${out.join("\n")}\n`;
}

function decades(min: number, max: number): { lo: number; hi: number } {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  return { lo, hi: hi > lo ? hi : lo + 1 };
}

function msLabel(ms: number): string {
  return ms < 1000 ? `${fmt(ms)} ms` : `${fmt(ms / 1000)} s`;
}

const r = (n: number) => Math.round(n * 10) / 10;

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width: number): string {
  return `<line x1="${r(x1)}" y1="${r(y1)}" x2="${r(x2)}" y2="${r(y2)}" stroke="${stroke}" stroke-width="${width}"/>`;
}

function polyline(points: readonly (readonly [number, number])[], stroke: string, dash?: string): string {
  const d = points.map(([px, py]) => `${r(px)},${r(py)}`).join(" ");
  const dashed = dash ? ` stroke-dasharray="${dash}"` : "";
  return `<polyline points="${d}" fill="none" stroke="${stroke}" stroke-width="2"${dashed}/>`;
}

function text(
  px: number,
  py: number,
  content: string,
  style: { anchor?: "start" | "middle" | "end"; size?: number; weight?: string; fill?: string } = {},
): string {
  const attrs = [
    `x="${r(px)}"`,
    `y="${r(py)}"`,
    style.anchor ? `text-anchor="${style.anchor}"` : "",
    style.size ? `font-size="${style.size}"` : "",
    style.weight ? `font-weight="${style.weight}"` : "",
    style.fill ? `fill="${style.fill}"` : "",
  ].filter(Boolean);
  return `<text ${attrs.join(" ")}>${escapeXml(content)}</text>`;
}

function legendEntry(
  px: number,
  py: number,
  color: string,
  mark: "circle" | "square" | "dashed" | "dotted",
  label: string,
): string {
  const sample =
    mark === "dashed" || mark === "dotted"
      ? `<line x1="${px}" y1="${py}" x2="${px + 28}" y2="${py}" stroke="${color}" stroke-width="2" ` +
        `stroke-dasharray="${mark === "dashed" ? "7 5" : "2 4"}"/>`
      : `<line x1="${px}" y1="${py}" x2="${px + 28}" y2="${py}" stroke="${color}" stroke-width="2"/>` +
        (mark === "circle"
          ? `<circle cx="${px + 14}" cy="${py}" r="5" fill="${color}" stroke="#ffffff"/>`
          : `<rect x="${px + 9.5}" y="${py - 4.5}" width="9" height="9" fill="${color}" stroke="#ffffff"/>`);
  return `${sample}${text(px + 38, py + 4, label)}`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
