/**
 * Line charts to PNG: an SVG drawn here, screenshotted by Debian's Chromium through
 * playwright-core (nothing downloaded, nothing rendered online).
 */
import { launchBrowser } from "../../test/support/browser";

export interface Series {
  name: string;
  /** [x, y] points, x in seconds. */
  points: [number, number][];
}

export interface Chart {
  title: string;
  unit: string;
  series: Series[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
const W = 560;
const H = 260;
const PAD = { left: 60, right: 16, top: 30, bottom: 36 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function nice(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= max) ?? 10 * p;
}

/** One chart as SVG markup: y from 0 (flat lines look flat, not magnified noise). */
export function chartSvg(chart: Chart): string {
  const all = chart.series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMax = nice(Math.max(0, ...all.map((p) => p[1])) * 1.1);
  const x = (v: number) => PAD.left + (v / xMax) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = yMax * f;
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${Number(v.toPrecision(3))}</text>`;
    })
    .join("");
  const xTicks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${x(xMax * f)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11">${Math.round(xMax * f)}</text>`,
    )
    .join("");
  const lines = chart.series
    .map((s, i) => {
      const pts = s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(" ");
      return `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${pts}"/>`;
    })
    .join("");
  const legend = chart.series
    .map(
      (s, i) =>
        `<rect x="${PAD.left + 8 + i * 120}" y="${PAD.top - 4}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${PAD.left + 22 + i * 120}" y="${PAD.top + 5}" font-size="11">${esc(s.name)}</text>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/><text x="${PAD.left}" y="18" font-size="14" font-weight="bold">${esc(chart.title)} (${esc(chart.unit)})</text>${grid}${xTicks}<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="11">seconds</text>${legend}${lines}</svg>`;
}

/** Renders the charts two to a row into one PNG at `file`. */
export async function plotToPng(file: string, title: string, charts: Chart[]): Promise<void> {
  const html = `<!doctype html><html lang="en"><body style="margin:0;background:#fff;font-family:sans-serif"><div id="plot" style="display:inline-block;padding:8px"><h3 style="margin:4px 8px">${esc(title)}</h3><div style="display:grid;grid-template-columns:repeat(2,${W}px);gap:8px">${charts.map(chartSvg).join("")}</div></div></body></html>`;
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 2 * W + 40, height: 800 } });
    await page.setContent(html);
    await page.locator("#plot").screenshot({ path: file });
  } finally {
    await browser.close();
  }
}
