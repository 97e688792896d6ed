import type { AnalyticsResponse } from "@engunity/shared";
import { TablePanel } from "../Panel";
import { tokenColumns } from "./tokenColumns";
import type { PanelProps } from "./types";

type Row = AnalyticsResponse["tokensBySession"][number];

export function TokensBySessionPanel(props: PanelProps) {
  return (
    <TablePanel<Row>
      title="Tokens by session"
      name="tokens-by-session"
      rows={props.data.tokensBySession}
      columns={[
        { csv: "session id", value: (r) => r.sessionId },
        {
          head: "Session",
          csv: "title",
          value: (r) => r.title,
          text: true,
          cell: (r) => (
            <span class="clip" title={r.title}>
              {r.title || "Untitled"}
            </span>
          ),
        },
        ...tokenColumns<Row>(() => props.priced),
      ]}
    />
  );
}
