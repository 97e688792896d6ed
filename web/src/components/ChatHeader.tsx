import type { Session, User } from "@engunity/shared";
import { can } from "@engunity/shared/abilities";
import { type ComponentProps, createSignal, For, Show } from "solid-js";
import { errorText } from "../lib/api";
import type { Collab, Peer } from "../lib/collab";
import { displayName } from "../lib/format";
import { Avatar } from "./Avatar";
import { ModelPicker } from "./ModelPicker";
import { OpenNavButton } from "./OpenNavButton";
import { SessionMenu } from "./SessionMenu";
import { SessionSearch } from "./SessionSearch";
import { TitleField } from "./TitleField";
import { toast } from "./Toast";

/** The chat page's header: title, who is online, search, share and the session's menu. */
export function ChatHeader(props: {
  sessionId: string;
  session: Session | null;
  /** The live page of people here, and how many are here in all. */
  presence: User[];
  presenceCount: number;
  /** More of the people here from `offset` (a snapshot past the live page). */
  onMorePeople: (offset: number) => Promise<User[]>;
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
  const [morePeople, setMorePeople] = createSignal<User[]>([]);
  const people = () => {
    const live = new Set(props.presence.map((u) => u.id));
    return [...props.presence, ...morePeople().filter((u) => !live.has(u.id))];
  };
  const loadMore = () =>
    void props
      .onMorePeople(people().length)
      .then((users) => setMorePeople((list) => [...list, ...users]))
      .catch((e: unknown) => toast(errorText(e)));
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
      <ul
        class="presence"
        data-testid="presence"
        data-count={props.presenceCount}
        aria-label={`Online now: ${props.presenceCount}`}
      >
        <For each={people()}>
          {(u) => (
            <li data-testid="presence-user" data-user-id={u.id}>
              <Avatar id={u.id} name={displayName(u)} small />
            </li>
          )}
        </For>
        <Show when={props.presenceCount > people().length}>
          <li>
            <button
              class="btn btn-sm presence-more"
              type="button"
              data-testid="presence-more"
              title="Show more of the people here"
              onClick={loadMore}
            >
              +{props.presenceCount - people().length}
            </button>
          </li>
        </Show>
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
