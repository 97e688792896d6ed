import type { Session, User } from "@engunity/shared";
import { can } from "@engunity/shared/abilities";
import { type ComponentProps, For, Show } from "solid-js";
import type { Collab, Peer } from "../lib/collab";
import { displayName } from "../lib/format";
import { Avatar } from "./Avatar";
import { ModelPicker } from "./ModelPicker";
import { OpenNavButton } from "./OpenNavButton";
import { SessionMenu } from "./SessionMenu";
import { SessionSearch } from "./SessionSearch";
import { TitleField } from "./TitleField";

/** The chat page's header: title, who is online, search, share and the session's menu. */
export function ChatHeader(props: {
  sessionId: string;
  session: Session | null;
  presence: User[];
  collab: Collab | null;
  peers: Peer[];
  onRename: (title: string) => void;
  onJump: (messageId: string) => void;
  onShare: () => void;
  onSettings: ComponentProps<typeof ModelPicker>["onChange"];
  onUsage: () => void;
  onExport: (format: "md" | "json") => void;
  onDelete: () => void;
  onLeave: () => void;
}) {
  const role = () => props.session?.role;
  const canWrite = () => can(role(), "write");
  return (
    <header class="chat-head">
      <OpenNavButton />
      <div class="chat-title">
        <Show when={props.session}>
          {(s) => (
            <>
              <TitleField
                title={s().title}
                editable={canWrite()}
                onRename={props.onRename}
                collab={props.collab}
                peers={props.peers}
              />
              <span class="role-pill hide-phone" data-testid="my-role">
                {role()}
              </span>
            </>
          )}
        </Show>
      </div>
      <ul class="presence" data-testid="presence" aria-label="Online now">
        <For each={props.presence}>
          {(u) => (
            <li data-testid="presence-user" data-user-id={u.id}>
              <Avatar id={u.id} name={displayName(u)} small />
            </li>
          )}
        </For>
      </ul>
      <div class="head-actions">
        <SessionSearch sessionId={props.sessionId} onOpen={props.onJump} />
        <button class="btn btn-sm" type="button" data-testid="share" onClick={props.onShare}>
          {can(role(), "invite") ? "Share" : "Members"}
        </button>
        <Show when={canWrite() && props.session}>
          {(s) => <ModelPicker session={s()} onChange={props.onSettings} />}
        </Show>
        <SessionMenu
          canDelete={can(role(), "delete")}
          onUsage={props.onUsage}
          onExport={props.onExport}
          onDelete={props.onDelete}
          onLeave={props.onLeave}
        />
      </div>
    </header>
  );
}
