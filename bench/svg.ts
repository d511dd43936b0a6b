// The ratio chart of docs/performance.svg: one horizontal bar per metric, from
// the 1.0 line (as fast / as big as the official client) to ours/official, on
// a log2 scale so that 2x better and 2x worse are the same length. Green when
// ours is better, red when worse; pale when the min-max over rounds crosses 1.0
// (within the noise); the whisker is that min-max.
import type { Better } from "./metrics.js";

export interface ChartBar {
  label: string;
  better: Better;
  /** Median over rounds of ours/official. */
  ratio: number;
  min: number;
  max: number;
}

const WIDTH = 980;
const VALUE_COLUMN = 70;
const ROW = 24;
const TOP = 78;
const FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\"";
const COLOR = {
  better: "#2e9e4f",
  betterPale: "#a9dcb7",
  worse: "#d1453b",
  worsePale: "#f0b3ae",
  even: "#9aa0a6",
  ink: "#202124",
  grid: "#dadce0",
};

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const px = (n: number) => n.toFixed(1);

export function verdict(bar: Pick<ChartBar, "better" | "ratio" | "min" | "max">): "better" | "worse" | "even" {
  if (!(bar.ratio > 0) || bar.ratio === 1) return "even";
  const oursBetter = bar.better === "higher" ? bar.ratio > 1 : bar.ratio < 1;
  return oursBetter ? "better" : "worse";
}

/** Whether the spread over rounds leaves 1.0 inside: the sign of the difference is not established. */
export function withinNoise(bar: Pick<ChartBar, "min" | "max">): boolean {
  return bar.min < 1 && bar.max > 1;
}

function barColor(bar: ChartBar): string {
  const v = verdict(bar);
  if (v === "even") return COLOR.even;
  const pale = withinNoise(bar);
  if (v === "better") return pale ? COLOR.betterPale : COLOR.better;
  return pale ? COLOR.worsePale : COLOR.worse;
}

function formatRatio(r: number): string {
  return r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

function tickLabel(exponent: number): string {
  return exponent >= 0 ? String(2 ** exponent) : `1/${2 ** -exponent}`;
}

export function ratioChart(bars: ChartBar[], title: string, subtitle: string): string {
  // labels at about 7 px per character of 13 px text
  const labelWidth = Math.min(480, Math.max(160, 20 + 7 * Math.max(...bars.map((b) => b.label.length + 2))));
  const plotLeft = labelWidth + 12;
  const plotRight = WIDTH - VALUE_COLUMN - 10;
  const exponents = bars
    .flatMap((b) => [b.ratio, b.min, b.max])
    .filter((r) => r > 0 && Number.isFinite(r))
    .map((r) => Math.log2(r));
  // whole powers of two, at least one either side of 1.0
  const low = Math.min(-1, Math.floor(Math.min(0, ...exponents) - 0.05));
  const high = Math.max(1, Math.ceil(Math.max(0, ...exponents) + 0.05));
  const x = (ratio: number) => {
    const clamped = Math.min(high, Math.max(low, Math.log2(ratio)));
    return plotLeft + ((clamped - low) / (high - low)) * (plotRight - plotLeft);
  };
  const height = TOP + bars.length * ROW + 60;
  const one = x(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="17" font-weight="600" fill="${COLOR.ink}">${escape(title)}</text>`,
    `<text x="16" y="46" fill="#5f6368">${escape(subtitle)}</text>`,
  );
  // grid: one line per power of two, the 1.0 line bold
  const plotBottom = TOP + bars.length * ROW;
  for (let e = low; e <= high; e++) {
    const gx = x(2 ** e);
    out.push(
      `<line x1="${px(gx)}" y1="${TOP - 6}" x2="${px(gx)}" y2="${plotBottom}" stroke="${e === 0 ? COLOR.ink : COLOR.grid}" stroke-width="${e === 0 ? 1.5 : 1}"/>`,
      `<text x="${px(gx)}" y="${TOP - 10}" text-anchor="middle" fill="#5f6368" font-size="11">${tickLabel(e)}</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = TOP + i * ROW;
    const mid = y + ROW / 2;
    const arrow = bar.better === "higher" ? "↑" : "↓";
    out.push(
      `<text x="${labelWidth}" y="${px(mid + 4)}" text-anchor="end" fill="${COLOR.ink}">${escape(bar.label)} ${arrow}</text>`,
    );
    if (!(bar.ratio > 0 && Number.isFinite(bar.ratio))) {
      out.push(`<text x="${px(one + 6)}" y="${px(mid + 4)}" fill="${COLOR.worse}">no result</text>`);
      return;
    }
    const end = x(bar.ratio);
    const left = Math.min(one, end);
    out.push(
      `<rect x="${px(left)}" y="${px(y + 4)}" width="${px(Math.max(1, Math.abs(end - one)))}" height="${ROW - 8}" fill="${barColor(bar)}"><title>${escape(`${bar.label}: ${formatRatio(bar.ratio)} (${formatRatio(bar.min)}–${formatRatio(bar.max)})`)}</title></rect>`,
    );
    if (bar.min !== bar.max) {
      const x1 = x(bar.min);
      const x2 = x(bar.max);
      out.push(
        `<line x1="${px(x1)}" y1="${px(mid)}" x2="${px(x2)}" y2="${px(mid)}" stroke="${COLOR.ink}" stroke-width="1"/>`,
        `<line x1="${px(x1)}" y1="${px(mid - 4)}" x2="${px(x1)}" y2="${px(mid + 4)}" stroke="${COLOR.ink}" stroke-width="1"/>`,
        `<line x1="${px(x2)}" y1="${px(mid - 4)}" x2="${px(x2)}" y2="${px(mid + 4)}" stroke="${COLOR.ink}" stroke-width="1"/>`,
      );
    }
    out.push(`<text x="${plotRight + 12}" y="${px(mid + 4)}" fill="${COLOR.ink}">${formatRatio(bar.ratio)}×</text>`);
  });
  // legend
  const ly = plotBottom + 28;
  const legend: Array<[string, string]> = [
    [COLOR.better, "ours better"],
    [COLOR.worse, "ours worse"],
    [COLOR.betterPale, "better, within the spread"],
    [COLOR.worsePale, "worse, within the spread"],
  ];
  let lx = 16;
  for (const [color, text] of legend) {
    out.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color}"/>`,
      `<text x="${lx + 18}" y="${ly}" fill="${COLOR.ink}">${escape(text)}</text>`,
    );
    lx += 30 + text.length * 7;
  }
  out.push(
    `<text x="16" y="${ly + 22}" fill="#5f6368" font-size="12">${escape("ours/official, median of same-round ratios, log scale; whiskers: min–max over rounds. ↑ higher is better, ↓ lower is better.")}</text>`,
    "</svg>",
  );
  return out.join("\n") + "\n";
}
