/**
 * @module
 * bench/latency.svg, written by hand (no plotting dependency). Top panel: time to answer and time to revoke against
 * the number of live keys in one alert, both axes logarithmic (the sizes and the times each span four decades or
 * more), next to the 6-connection lower bound and GitHub's 15 s answer deadline. Below it, when measured: keys
 * revoked over time in one big leak at Clerk's rate limit, against the rate bound and its 1.25× budget, with each
 * 429 marked; then the distance model's panel (bench/plot-distance.ts). Pure: data in, SVG text out.
 */
import { fmt, fmtShare } from "./format.ts";
import { type DistancePanelData, distancePanel, distancePanelHeight } from "./plot-distance.ts";
import {
  COLORS,
  legendEntry,
  line,
  MARGIN,
  msLabel,
  niceCeil,
  polyline,
  r,
  text,
  ticks,
  WIDTH,
} from "./svg.ts";

export interface LatencyPoint {
  keys: number;
  answerMs: number;
  revokeMs: number;
  boundMs: number;
}

/** One big leak at Clerk's rate limit, for the bottom panel. */
export interface RatePanelData {
  keys: number;
  callsPerSecond: number;
  latencyMs: number;
  answerMs: number;
  labelled: number;
  boundMs: number;
  /** The budget, as a factor of the bound. */
  budgetFactor: number;
  /** Each key's successful revoke, ms after the alert was sent, ascending. */
  revokedAtMs: readonly number[];
  /** Each 429, ms after the alert was sent. */
  limitedAtMs: readonly number[];
  clerkCalls: number;
}

export interface PlotOptions {
  latencyMs: number;
  /** A line across the plot, e.g. GitHub's deadline. */
  deadlineMs: number;
  /** Shown under the title: where and when the numbers were taken. */
  subtitle: string;
  /** Draws the rate-limit panel. */
  rateLimit?: RatePanelData;
  /** Draws the distance panel. */
  distance?: DistancePanelData;
}

/** The top panel's height; each further panel, when drawn, adds its own. */
const HEIGHT = 540;
const RATE_PANEL_HEIGHT = 400;
/** The cumulative curve is drawn through at most this many points; thousands of keys would bloat the file. */
const MAX_CURVE_POINTS = 400;

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

  const rateHeight = options.rateLimit ? RATE_PANEL_HEIGHT : 0;
  const totalHeight = HEIGHT + rateHeight + (options.distance ? distancePanelHeight(options.distance) : 0);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${totalHeight}" viewBox="0 0 ${WIDTH} ${totalHeight}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${totalHeight}" fill="#ffffff"/>`,
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
  );
  if (options.rateLimit) out.push(...ratePanel(options.rateLimit, HEIGHT));
  if (options.distance) out.push(...distancePanel(options.distance, HEIGHT + rateHeight));
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/**
 * Keys revoked against time since the alert, both axes linear: the measured curve next to the straight lines of
 * the rate bound and the budget, the answer (the end of the inline phase) as a vertical line, each 429 as a tick.
 */
function ratePanel(d: RatePanelData, top: number): string[] {
  const m = { left: MARGIN.left, right: MARGIN.right, top: top + 60, bottom: 60 };
  const plotW = WIDTH - m.left - m.right;
  const plotH = RATE_PANEL_HEIGHT - (m.top - top) - m.bottom;
  const lastMs = d.revokedAtMs.at(-1) ?? d.boundMs;
  const xMaxS = niceCeil(Math.max(lastMs, d.budgetFactor * d.boundMs) / 1000);
  const yMax = niceCeil(d.keys);
  const x = (ms: number) => m.left + (ms / 1000 / xMaxS) * plotW;
  const y = (keys: number) => m.top + plotH - (keys / yMax) * plotH;
  const ratio = lastMs / d.boundMs;
  const share = d.clerkCalls > 0 ? d.limitedAtMs.length / d.clerkCalls : 0;

  const out: string[] = [
    line(20, top, WIDTH - 20, top, "#ced4da", 1),
    text(WIDTH / 2, top + 26, `Time to revoke ${fmt(d.keys)} live keys at Clerk's rate limit`, {
      anchor: "middle",
      size: 17,
      weight: "bold",
    }),
    text(
      WIDTH / 2,
      top + 46,
      `${fmt(d.callsPerSecond)} calls/s (429 with Retry-After beyond), Clerk latency ${fmt(d.latencyMs)} ms · ` +
        `${msLabel(lastMs)} = ${fmt(ratio, 2)}× the bound, ${fmt(d.limitedAtMs.length)} of ${fmt(d.clerkCalls)} ` +
        `calls answered 429 (${fmtShare(share)})`,
      { anchor: "middle", size: 12, fill: "#495057" },
    ),
  ];
  for (const s of ticks(xMaxS)) {
    out.push(line(x(s * 1000), m.top, x(s * 1000), m.top + plotH, COLORS.grid, 1));
    out.push(text(x(s * 1000), m.top + plotH + 18, `${fmt(s)} s`, { anchor: "middle" }));
  }
  for (const k of ticks(yMax)) {
    out.push(line(m.left, y(k), m.left + plotW, y(k), COLORS.grid, 1));
    out.push(text(m.left - 8, y(k) + 4, fmt(k), { anchor: "end" }));
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#868e96"/>`,
    text(m.left + plotW / 2, top + RATE_PANEL_HEIGHT - 16, "time since the alert was sent", {
      anchor: "middle",
      size: 14,
    }),
    `<text transform="translate(24 ${r(m.top + plotH / 2)}) rotate(-90)" text-anchor="middle" font-size="14">` +
      "keys revoked</text>",
  );

  // The answer: keys revoked before it were labelled inline, the rest went through the queue.
  const ax = x(d.answerMs);
  out.push(
    `<line x1="${r(ax)}" y1="${m.top}" x2="${r(ax)}" y2="${m.top + plotH}" stroke="${COLORS.answer}" ` +
      `stroke-width="1.5" stroke-dasharray="2 4"/>`,
    text(ax + 6, m.top + plotH - 8, `answer: ${fmt(d.labelled)} labelled inline`, {
      fill: COLORS.answer,
      size: 12,
    }),
  );
  // Straight lines from the origin: all keys at the bound, and at the budget.
  out.push(
    polyline(
      [
        [x(0), y(0)],
        [x(d.boundMs), y(d.keys)],
      ],
      COLORS.bound,
      "7 5",
    ),
    polyline(
      [
        [x(0), y(0)],
        [x(d.budgetFactor * d.boundMs), y(d.keys)],
      ],
      COLORS.deadline,
      "2 4",
    ),
  );
  const curve = downsample(d.revokedAtMs, MAX_CURVE_POINTS).map(([ms, n]) => [x(ms), y(n)] as const);
  out.push(polyline([[x(0), y(0)], ...curve], COLORS.revoke));
  const end = curve.at(-1);
  if (end) {
    out.push(
      `<rect x="${r(end[0] - 4.5)}" y="${r(end[1] - 4.5)}" width="9" height="9" fill="${COLORS.revoke}" stroke="#ffffff"/>`,
    );
  }
  for (const ms of d.limitedAtMs) {
    out.push(line(x(ms), m.top + plotH, x(ms), m.top + plotH - 8, COLORS.limited, 1));
  }

  // Legend, bottom right, under the curves' empty side.
  const lx = m.left + plotW - 318;
  const ly = m.top + plotH - 88;
  out.push(
    `<rect x="${lx - 8}" y="${ly - 12}" width="318" height="84" fill="#ffffff" fill-opacity="0.92" stroke="#ced4da"/>`,
    legendEntry(lx, ly, COLORS.revoke, "square", "keys revoked (successful revokes at Clerk)"),
    legendEntry(lx, ly + 20, COLORS.bound, "dashed", "rate bound: 2 calls per key at the limit"),
    legendEntry(lx, ly + 40, COLORS.deadline, "dotted", `budget: ${fmt(d.budgetFactor, 2)}× the bound`),
    `<line x1="${lx + 14}" y1="${ly + 66}" x2="${lx + 14}" y2="${ly + 58}" stroke="${COLORS.limited}" stroke-width="1"/>` +
      text(lx + 38, ly + 64, `a Clerk call answered 429 (${fmt(d.limitedAtMs.length)})`),
  );
  return out;
}

/** The cumulative count after each time, thinned to at most `max` points (the last one always kept). */
function downsample(sortedMs: readonly number[], max: number): [number, number][] {
  const step = Math.max(1, Math.ceil(sortedMs.length / max));
  const out: [number, number][] = [];
  for (let i = step - 1; i < sortedMs.length; i += step) out.push([sortedMs[i] as number, i + 1]);
  const last = sortedMs.length;
  if (last > 0 && out.at(-1)?.[1] !== last) out.push([sortedMs[last - 1] as number, last]);
  return out;
}

function decades(min: number, max: number): { lo: number; hi: number } {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  return { lo, hi: hi > lo ? hi : lo + 1 };
}
