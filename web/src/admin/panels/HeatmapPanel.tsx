import { For, Show } from "solid-js";
import { tz, WEEKDAYS } from "../format";
import { Empty, Panel } from "../Panel";
import type { PanelProps } from "./types";

/** Weekday × hour grid in the viewer's zone; a cell's shade is its share of the busiest hour. */
export function HeatmapPanel(props: PanelProps) {
  const grid = () => props.data.heatmap;
  const max = () => Math.max(1, ...grid().flat());
  const total = () =>
    grid()
      .flat()
      .reduce((a, b) => a + b, 0);
  return (
    <Panel
      title={`Peak usage (messages, ${tz})`}
      wide
      csv={() => [
        "peak-usage",
        ["weekday", ...Array.from({ length: 24 }, (_, h) => `${h}:00`)],
        grid().map((row, i) => [WEEKDAYS[i], ...row]),
      ]}
    >
      <Show when={total() > 0} fallback={<Empty />}>
        <div class="heatmap" role="img" aria-label="Messages by weekday and hour">
          <span />
          <For each={Array.from({ length: 24 }, (_, h) => h)}>
            {(h) => <span class="heat-hour">{h % 3 === 0 ? h : ""}</span>}
          </For>
          <For each={grid()}>
            {(row, day) => (
              <>
                <span class="heat-day">{WEEKDAYS[day()]}</span>
                <For each={row}>
                  {(n, hour) => (
                    <span
                      class="heat-cell"
                      data-testid={`heat-${day()}-${hour()}`}
                      title={`${WEEKDAYS[day()]} ${hour()}:00–${hour() + 1}:00 · ${n} messages`}
                      style={{ "--heat": String(n / max()) }}
                    />
                  )}
                </For>
              </>
            )}
          </For>
        </div>
      </Show>
    </Panel>
  );
}
