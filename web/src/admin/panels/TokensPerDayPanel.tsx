import { DayChartPanel } from "../Panel";
import type { PanelProps } from "./types";

export function TokensPerDayPanel(props: PanelProps) {
  return (
    <DayChartPanel
      title="Tokens per day"
      name="tokens-per-day"
      label="Tokens per day"
      wide
      days={props.days}
      rows={props.data.tokensByDay}
      series={[
        { label: "Prompt", csv: "prompt tokens", value: (r) => r.promptTokens, color: "--accent" },
        {
          label: "Completion",
          csv: "completion tokens",
          value: (r) => r.completionTokens,
          color: "--success",
        },
        { label: "Cost", csv: "cost USD", value: (r) => r.cost },
      ]}
    />
  );
}
