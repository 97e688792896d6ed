import type { AnalyticsResponse } from "@engunity/shared";
import { type Column, TablePanel } from "../Panel";
import type { PanelProps } from "./types";

type Row = AnalyticsResponse["latency"][number];
const percentiles = (key: "ttftMs" | "durationMs", shown: string, csv: string): Column<Row>[] =>
  (["p50", "p95", "p99"] as const).map((p, i) => ({
    head: i === 0 ? `${shown} ${p}` : p,
    csv: `${csv} ${p}`,
    value: (r: Row) => r[key][p],
  }));

/** Percentiles per provider and model; "≈" marks those read from the rollup's histogram. */
export function LatencyPanel(props: PanelProps) {
  return (
    <TablePanel
      title="Response time and first token (ms)"
      name="latency"
      testId="latency"
      wide
      rows={props.data.latency}
      columns={[
        { head: "Provider", csv: "provider", value: (r) => r.provider, text: true },
        {
          head: "Model",
          csv: "model",
          value: (r) => r.model,
          text: true,
          cell: (r) => (
            <span class="mono" title={r.exact ? undefined : "Percentiles within 3 % (histogram)"}>
              {r.model}
              {r.exact ? "" : " ≈"}
            </span>
          ),
        },
        { head: "Answers", csv: "answers", value: (r) => r.answers },
        ...percentiles("ttftMs", "TTFT", "ttft"),
        ...percentiles("durationMs", "Total", "duration"),
        { csv: "exact", value: (r) => r.exact },
      ]}
    />
  );
}
