import { TRANSFER_OUTCOMES, type TransferOutcome } from '../domains/dashboard.queries.ts';

/** One day of the chart, its words already in the reader's language. */
export interface TransferChartDay {
  /** Under the axis, on every fifth day counting back from the last: "Jun 1". */
  tick: string;
  /** Each bar's tooltip (`<title>`): "Jun 1, 2026: 3 completed". */
  titles: Record<TransferOutcome, string>;
  counts: Record<TransferOutcome, number>;
}

export interface TransferChartInput {
  /** The chart's name for assistive technology (aria-label); the figures are in a table beside it. */
  label: string;
  /** The legend's name of each outcome. */
  series: Record<TransferOutcome, string>;
  days: TransferChartDay[];
  /** Starts the pattern ids, which must be unique on the page. */
  idPrefix?: string;
}

/**
 * How each outcome is drawn. Colour alone would fail readers who cannot tell these hues apart
 * (and print in grey), so each also has its own fill: solid, hatched, dotted. The hues are
 * from the Okabe–Ito palette, chosen to stay apart under the common colour-vision deficiencies.
 */
const LOOK: Record<TransferOutcome, { colour: string; fill: (id: string) => string }> = {
  requested: {
    colour: '#0072B2',
    fill: (id) => `<pattern id="${id}" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#0072B2"/></pattern>`,
  },
  completed: {
    colour: '#009E73',
    fill: (id) =>
      `<pattern id="${id}" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" fill="#009E73"/><line x1="0" y1="0" x2="0" y2="5" stroke="#ffffff" stroke-width="2"/></pattern>`,
  },
  cancelled: {
    colour: '#D55E00',
    fill: (id) => `<pattern id="${id}" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#D55E00"/><circle cx="2.5" cy="2.5" r="1.4" fill="#ffffff"/></pattern>`,
  },
};

const WIDTH = 900;
const HEIGHT = 270;
const PLOT = { left: 44, right: WIDTH - 8, top: 40, bottom: 238 };
const LEGEND_Y = 12;
const SWATCH = 14;
/** Ticks on the value axis, at most this many steps above zero. */
const MAX_STEPS = 4;

/** Text and attribute values as SVG (XML) needs them: nothing a label holds can become markup. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Transfers per day as an inline SVG of grouped bars (one bar per outcome and day), for a page
 * to print as it is: every text in it is escaped here, and nothing in it runs or loads.
 * Each bar has a `<title>` with its figure; the legend shows the same fills as the bars.
 */
export function transferChartSvg(input: TransferChartInput): string {
  const prefix = `${(input.idPrefix ?? 'transfer-chart').replace(/[^A-Za-z0-9-]/g, '') || 'transfer-chart'}-`;
  const patternId = (outcome: TransferOutcome) => `${prefix}${outcome}`;
  const days = input.days.map((day) => ({ ...day, counts: countsOf(day.counts) }));
  const highest = Math.max(0, ...days.flatMap((day) => TRANSFER_OUTCOMES.map((o) => day.counts[o])));
  const scale = valueScale(highest);
  const y = (value: number) => PLOT.bottom - (value / scale.top) * (PLOT.bottom - PLOT.top);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="transfer-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(input.label)}">`,
    `<defs>${TRANSFER_OUTCOMES.map((o) => LOOK[o].fill(patternId(o))).join('')}</defs>`,
    legend(input.series, patternId),
  ];
  for (let value = 0; value <= scale.top; value += scale.step) {
    const at = round(y(value));
    parts.push(`<line class="grid" x1="${PLOT.left}" y1="${at}" x2="${PLOT.right}" y2="${at}" stroke="#d9dee7" stroke-width="1"/>`);
    parts.push(`<text class="axis" x="${PLOT.left - 6}" y="${at + 4}" text-anchor="end">${value}</text>`);
  }
  const slot = (PLOT.right - PLOT.left) / Math.max(1, days.length);
  const barWidth = Math.max(1, (slot * 0.78) / TRANSFER_OUTCOMES.length);
  days.forEach((day, index) => {
    const groupLeft = PLOT.left + index * slot + (slot - barWidth * TRANSFER_OUTCOMES.length) / 2;
    TRANSFER_OUTCOMES.forEach((outcome, position) => {
      const value = day.counts[outcome];
      if (value === 0) return;
      // The smallest figure still shows as a bar.
      const top = Math.min(y(value), PLOT.bottom - 2);
      parts.push(
        `<rect class="bar bar-${outcome}" x="${round(groupLeft + position * barWidth)}" y="${round(top)}" width="${round(barWidth)}" height="${round(PLOT.bottom - top)}" fill="url(#${patternId(outcome)})" stroke="${LOOK[outcome].colour}" stroke-width="0.5"><title>${escapeXml(day.titles[outcome])}</title></rect>`,
      );
    });
    // Every fifth day, counting back from the last, so the latest day is always named.
    if ((days.length - 1 - index) % 5 === 0) {
      parts.push(`<text class="axis" x="${round(PLOT.left + (index + 0.5) * slot)}" y="${PLOT.bottom + 18}" text-anchor="middle">${escapeXml(day.tick)}</text>`);
    }
  });
  parts.push(`<line class="baseline" x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="#5b6475" stroke-width="1"/>`);
  parts.push('</svg>');
  return parts.join('');
}

/** The legend across the top: each outcome's swatch, in the same fill as its bars, and its name. */
function legend(series: Record<TransferOutcome, string>, patternId: (outcome: TransferOutcome) => string): string {
  let x = PLOT.left;
  const entries = TRANSFER_OUTCOMES.map((outcome) => {
    const name = series[outcome];
    const entry =
      `<rect class="swatch swatch-${outcome}" x="${x}" y="${LEGEND_Y}" width="${SWATCH}" height="${SWATCH}" fill="url(#${patternId(outcome)})" stroke="${LOOK[outcome].colour}" stroke-width="1"/>` +
      `<text class="legend" x="${x + SWATCH + 6}" y="${LEGEND_Y + SWATCH - 2}">${escapeXml(name)}</text>`;
    x += SWATCH + 6 + textWidth(name) + 22;
    return entry;
  });
  return `<g class="chart-legend">${entries.join('')}</g>`;
}

/** The value axis: a round step (1, 2, 5 × 10ⁿ) and the top it reaches, at least one step. */
export function valueScale(highest: number): { step: number; top: number } {
  let step = 1;
  for (let magnitude = 1; ; magnitude *= 10) {
    const found = [1, 2, 5].map((m) => m * magnitude).find((candidate) => Math.ceil(highest / candidate) <= MAX_STEPS);
    if (found !== undefined) {
      step = found;
      break;
    }
  }
  return { step, top: Math.max(step, Math.ceil(highest / step) * step) };
}

/** A count as the chart can draw it: a whole number, never negative. */
function countsOf(counts: Record<TransferOutcome, number>): Record<TransferOutcome, number> {
  const whole = (value: unknown) => {
    const n = Math.floor(Number(value));
    return Number.isFinite(n) && n > 0 ? n : 0;
  };
  return { requested: whole(counts?.requested), completed: whole(counts?.completed), cancelled: whole(counts?.cancelled) };
}

/** About how wide a legend name is drawn (the server cannot measure): CJK characters twice a Latin one. */
function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/.test(char) ? 13 : 7;
  return width;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
