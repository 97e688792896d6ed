import type { AnalyticsResponse } from "@engunity/shared";
import { TablePanel } from "../Panel";
import { tokenColumns } from "./tokenColumns";
import type { PanelProps } from "./types";

type Row = AnalyticsResponse["tokensByModel"][number];

export function TokensByModelPanel(props: PanelProps) {
  return (
    <TablePanel<Row>
      title="Tokens by model"
      name="tokens-by-model"
      testId="by-model"
      rows={props.data.tokensByModel}
      columns={[
        {
          head: "Model",
          value: (r) => `${r.provider}/${r.model}`,
          text: true,
          cell: (r) => <span class="mono">{`${r.provider}/${r.model}`}</span>,
        },
        { csv: "provider", value: (r) => r.provider },
        { csv: "model", value: (r) => r.model },
        { head: "Answers", csv: "answers", value: (r) => r.answers },
        ...tokenColumns<Row>(() => props.priced),
      ]}
    />
  );
}
