import { DayChartPanel } from "../Panel";
import type { PanelProps } from "./types";

export function ErrorsPanel(props: PanelProps) {
  return (
    <DayChartPanel
      title="Database errors and auth failures"
      name="errors"
      label="Database errors and authentication failures per day"
      days={props.days}
      rows={props.data.errors}
      series={[
        { label: "DB errors", csv: "database errors", value: (r) => r.dbErrors, color: "--danger" },
        {
          label: "Auth failures",
          csv: "auth failures",
          value: (r) => r.authFailures,
          color: "--warning",
        },
      ]}
    />
  );
}
