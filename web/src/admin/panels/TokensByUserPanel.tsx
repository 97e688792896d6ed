import type { AnalyticsResponse } from "@engunity/shared";
import { TablePanel } from "../Panel";
import { tokenColumns } from "./tokenColumns";
import type { PanelProps } from "./types";

type Row = AnalyticsResponse["tokensByUser"][number];

export function TokensByUserPanel(props: PanelProps) {
  return (
    <TablePanel<Row>
      title="Tokens by user"
      name="tokens-by-user"
      rows={props.data.tokensByUser}
      columns={[
        { head: "User", csv: "user", value: (r) => r.username, text: true },
        ...tokenColumns<Row>(() => props.priced),
      ]}
    />
  );
}
