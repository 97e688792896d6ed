import { TablePanel } from "../Panel";
import type { PanelProps } from "./types";

export function MessagesPerUserPanel(props: PanelProps) {
  return (
    <TablePanel
      title="Messages per user"
      name="messages-per-user"
      rows={props.data.messagesByUser}
      columns={[
        { head: "User", csv: "user", value: (r) => r.username, text: true },
        { head: "Messages", csv: "messages", value: (r) => r.messages },
      ]}
    />
  );
}
