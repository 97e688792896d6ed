import type { Session } from "@engunity/shared";
import { toast } from "../components/Toast";
import { api, download, errorText } from "../lib/api";
import { titleOf } from "../lib/format";
import { removeSession } from "../lib/sessions";

/** Runs `fn`; a failure becomes a toast (and, with `rethrow`, is thrown on). */
export function withToast<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  rethrow = false,
): (...args: A) => Promise<R | undefined> {
  return (...args) =>
    fn(...args).catch((e: unknown) => {
      toast(errorText(e));
      if (rethrow) throw e;
      return undefined;
    });
}

/** What the chat page's header and menu do to a session over REST. */
export function sessionActions(sessionId: string, onSession: (s: Session) => void) {
  return {
    rename: withToast(async (title: string) => {
      onSession(await api<Session>("PATCH", `/chat/${sessionId}`, { title }));
    }),
    settings: withToast(async (settings: Partial<Session["settings"]> | object) => {
      onSession(await api<Session>("PATCH", `/chat/${sessionId}`, { settings }));
    }),
    exportAs: withToast(async (session: Session | null, format: "md" | "json") => {
      const name =
        titleOf(session)
          .replace(/[^\w.-]+/g, "_")
          .slice(0, 60) || "session";
      await download(`/chat/${sessionId}/export?format=${format}`, `${name}.${format}`);
    }),
    /** Deletes the session (owners) or leaves it; then the session is gone from the list. */
    remove: withToast(async () => {
      await api("DELETE", `/chat/${sessionId}`);
      removeSession(sessionId);
      return true;
    }),
    leave: withToast(async (userId: string) => {
      await api("DELETE", `/chat/${sessionId}/members/${userId}`);
      removeSession(sessionId);
      return true;
    }),
  };
}
