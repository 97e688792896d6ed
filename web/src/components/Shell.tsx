import type { MembershipNotice } from "@engunity/shared";
import { useLocation, useNavigate } from "@solidjs/router";
import {
  createContext,
  createEffect,
  createSignal,
  onCleanup,
  onMount,
  type ParentProps,
  Show,
  useContext,
} from "solid-js";
import { applyMembershipNotice, blockUser, leaveSession, refreshInvitations } from "../lib/account";
import { errorText } from "../lib/api";
import { refreshSessions } from "../lib/sessions";
import { connectionState, currentSocket } from "../lib/socket";
import { ConnectionBanner } from "./ConnectionBanner";
import { Shortcuts } from "./Shortcuts";
import { Sidebar } from "./Sidebar";
import { toast } from "./Toast";

/** The signed-in layout: sidebar of sessions and the main pane (collapses on phones). */
export function Shell(props: ParentProps) {
  const location = useLocation();
  const [navOpen, setNavOpen] = createSignal(false);
  const home = () => location.pathname === "/";

  const navigate = useNavigate();
  onMount(() => void refreshSessions());
  // Back online or back to the tab: the list may have moved on meanwhile.
  createEffect(() => {
    if (connectionState() !== "online") return;
    void refreshSessions();
    void refreshInvitations().catch(() => {});
  });
  // The personal channel: added to a session, invited, removed — live, with who did it.
  createEffect(() => {
    const socket = currentSocket();
    if (!socket) return;
    const onNotice = (notice: MembershipNotice) => {
      const text = applyMembershipNotice(notice);
      if (notice.type === "added") {
        const id = notice.session.id;
        const by = notice.by.fullName || notice.by.username;
        // Leave at once, or leave and block whoever added them (their adds then store
        // nothing). Either way the session leaves the sidebar, and this page if open.
        const leave = async (block: boolean) => {
          try {
            if (block) await blockUser(notice.by.id);
            await leaveSession(id);
            if (location.pathname === `/chat/${id}`) navigate("/");
            toast(block ? `You left “${notice.session.title}” and blocked ${by}` : "You left");
          } catch (e) {
            toast(errorText(e));
          }
        };
        toast(text, [
          { label: "Open", run: () => navigate(`/chat/${id}`) },
          { label: "Leave", testId: "toast-leave", run: () => void leave(false) },
          {
            label: "Block",
            testId: "toast-block",
            title: `Leave and block ${by}: their adds will no longer reach you`,
            run: () => void leave(true),
          },
        ]);
      } else toast(text);
    };
    socket.on("membership", onNotice);
    onCleanup(() => socket.off("membership", onNotice));
  });
  const onFocus = () => void refreshSessions();
  window.addEventListener("focus", onFocus);
  onCleanup(() => window.removeEventListener("focus", onFocus));

  return (
    <div
      class="shell"
      classList={{ "nav-open": navOpen(), home: home() }}
      data-connection={connectionState()}
    >
      <Sidebar onNavigate={() => setNavOpen(false)} />
      <Show when={navOpen()}>
        <div class="scrim only-phone" onClick={() => setNavOpen(false)} aria-hidden="true" />
      </Show>
      <div class="main">
        <ConnectionBanner />
        <NavContext.Provider value={() => setNavOpen(true)}>{props.children}</NavContext.Provider>
      </div>
      <Shortcuts />
    </div>
  );
}

const NavContext = createContext<() => void>(() => {});
/** Opens the sidebar drawer (phones). */
export const useOpenNav = () => useContext(NavContext);
