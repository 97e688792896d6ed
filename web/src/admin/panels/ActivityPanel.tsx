import { DayChartPanel } from "../Panel";
import type { PanelProps } from "./types";

export function ActivityPanel(props: PanelProps) {
  return (
    <DayChartPanel
      title="Active users and sessions per day"
      name="activity"
      label="Active users and sessions per day"
      days={props.days}
      rows={props.data.activity}
      series={[
        { label: "Users", csv: "active users", value: (r) => r.activeUsers, color: "--accent" },
        {
          label: "Sessions",
          csv: "active sessions",
          value: (r) => r.activeSessions,
          color: "--warning",
        },
      ]}
    />
  );
}
