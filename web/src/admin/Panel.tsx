import { For, type JSX, Show } from "solid-js";
import { DayChart } from "./Chart";
import { downloadCsv } from "./csv";
import { fmt, perDay } from "./format";

/** A dashboard panel: a title, a CSV download when it has one, and its body. */
export function Panel(props: {
  title: string;
  wide?: boolean;
  testId?: string;
  /** File name (without .csv), columns and rows of the download. */
  csv?: () => [string, string[], unknown[][]];
  /** Extra header controls (a search field, say). */
  tools?: JSX.Element;
  children: JSX.Element;
}) {
  return (
    <section class="admin-card" classList={{ wide: props.wide }} data-testid={props.testId}>
      <header>
        <h2>{props.title}</h2>
        {props.tools}
        <Show when={props.csv}>
          <button
            type="button"
            class="btn btn-ghost btn-sm"
            data-testid="csv"
            onClick={() => {
              const [name, columns, rows] = props.csv!();
              downloadCsv(name, columns, rows);
            }}
          >
            CSV
          </button>
        </Show>
      </header>
      {props.children}
    </section>
  );
}

export const Empty = (props: { text?: string }) => (
  <div class="chart-empty">{props.text ?? "No data in this range"}</div>
);

/**
 * One column of a table panel, shown, exported, or both: `head` is the shown header
 * (none: CSV only), `csv` the exported one (none: shown only).
 */
export interface Column<T> {
  head?: string;
  csv?: string;
  /** The exported value, and the shown one unless `cell` is given (numbers formatted). */
  value: (r: T) => unknown;
  cell?: (r: T) => JSX.Element;
  /** Left-aligned text rather than a number. */
  text?: boolean;
  /** Shown only while this holds (a cost column without a price table). */
  when?: () => boolean;
}

/** A table panel: the shown table and the CSV come from the same column list. */
export function TablePanel<T>(props: {
  title: string;
  name: string;
  rows: T[];
  columns: Column<T>[];
  wide?: boolean;
  testId?: string;
  rowTestId?: (r: T) => string;
}) {
  const shown = () => props.columns.filter((c) => c.head !== undefined && (c.when?.() ?? true));
  const exported = () => props.columns.filter((c) => c.csv !== undefined);
  return (
    <Panel
      title={props.title}
      wide={props.wide}
      testId={props.testId}
      csv={() => [
        props.name,
        exported().map((c) => c.csv!),
        props.rows.map((r) => exported().map((c) => c.value(r))),
      ]}
    >
      <Show when={props.rows.length > 0} fallback={<Empty />}>
        <div class="table-wrap">
          <table class="admin-table">
            <thead>
              <tr>
                <For each={shown()}>{(c) => <th class={c.text ? "" : "num"}>{c.head}</th>}</For>
              </tr>
            </thead>
            <tbody>
              <For each={props.rows}>
                {(r) => (
                  <tr data-testid={props.rowTestId?.(r)}>
                    <For each={shown()}>
                      {(c) => (
                        <td class={c.text ? "" : "num"}>
                          {c.cell
                            ? c.cell(r)
                            : c.text
                              ? String(c.value(r))
                              : fmt(c.value(r) as number)}
                        </td>
                      )}
                    </For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </Panel>
  );
}

/** One line of a day chart panel (or, without a colour, a CSV-only column). */
export interface DaySeries<T> {
  label: string;
  csv: string;
  value: (r: T) => number | null;
  color?: string;
}

/** A day-by-day chart over every day of the range; the CSV lists the days with data. */
export function DayChartPanel<T extends { day: string }>(props: {
  title: string;
  name: string;
  label: string;
  days: string[];
  rows: T[];
  series: DaySeries<T>[];
  wide?: boolean;
}) {
  return (
    <Panel
      title={props.title}
      wide={props.wide}
      csv={() => [
        props.name,
        ["day", ...props.series.map((s) => s.csv)],
        props.rows.map((r) => [r.day, ...props.series.map((s) => s.value(r))]),
      ]}
    >
      <DayChart
        label={props.label}
        days={props.rows.length ? props.days : []}
        series={props.series
          .filter((s) => s.color)
          .map((s) => ({
            label: s.label,
            color: s.color!,
            values: perDay(props.days, props.rows, (r) => s.value(r) ?? 0),
          }))}
      />
    </Panel>
  );
}
