import { TablePanel } from "../Panel";
import type { PanelProps } from "./types";

export function AiFailuresPanel(props: PanelProps) {
  return (
    <TablePanel
      title="AI failures"
      name="ai-failures"
      rows={props.data.aiFailures}
      columns={[
        { head: "Provider", csv: "provider", value: (r) => r.provider, text: true },
        {
          head: "Kind",
          csv: "kind",
          value: (r) => r.kind,
          text: true,
          cell: (r) => (r.kind === "rate_limited" ? "rate limited" : r.kind),
        },
        { head: "Count", csv: "count", value: (r) => r.count },
      ]}
    />
  );
}
