import { createEffect, onCleanup, onMount, Show } from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { theme } from "../lib/theme";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** A CSS variable or colour for the line. */
  color: string;
}

/** Reads a CSS custom property of <html> (charts follow the light/dark theme). */
function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || name;
}
const resolve = (color: string) => (color.startsWith("--") ? cssVar(color) : color);

/**
 * A day-by-day line chart (uPlot): hover shows each series' value in the legend;
 * redrawn when the theme changes, resized with its card; an empty state without data.
 */
export function DayChart(props: { days: string[]; series: ChartSeries[]; label: string }) {
  let box!: HTMLDivElement;
  let plot: uPlot | undefined;
  const empty = () => props.days.length === 0;

  const build = () => {
    plot?.destroy();
    plot = undefined;
    if (empty() || !box) return;
    const text = cssVar("--text-muted");
    const grid = cssVar("--border");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const xs = props.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    plot = new uPlot(
      {
        width: Math.max(240, box.clientWidth),
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "UTC"),
        scales: { x: { time: true } },
        axes: [
          {
            ...axis,
            // One tick per day at most (uPlot would otherwise tick every 12 hours).
            incrs: [86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400],
            values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toISOString().slice(5, 10)),
          },
          { ...axis, size: 56 },
        ],
        cursor: { points: { size: 7 } },
        legend: { live: true },
        series: [
          {
            label: "Day",
            value: (_u, v) => (v == null ? "—" : new Date(v * 1000).toISOString().slice(0, 10)),
          },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: resolve(s.color),
            width: 2,
            points: { show: props.days.length < 40 },
            value: (_u: uPlot, v: number | null) => (v == null ? "—" : v.toLocaleString()),
          })),
        ],
      },
      [xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      box,
    );
  };

  onMount(() => {
    const ro = new ResizeObserver(() =>
      plot?.setSize({ width: Math.max(240, box.clientWidth), height: 220 }),
    );
    ro.observe(box);
    onCleanup(() => ro.disconnect());
  });
  createEffect(() => {
    theme();
    void props.days;
    void props.series;
    build();
  });
  onCleanup(() => plot?.destroy());

  return (
    <div class="chart" role="img" aria-label={props.label}>
      <Show when={empty()}>
        <div class="chart-empty">No data in this range</div>
      </Show>
      <div ref={box} class="chart-canvas" />
    </div>
  );
}
