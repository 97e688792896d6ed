import type { Session } from "@engunity/shared";
import { titleFromContent } from "@engunity/shared/titles";
import { useNavigate } from "@solidjs/router";
import { createSignal } from "solid-js";
import { Composer } from "../components/Composer";
import { OpenNavButton } from "../components/OpenNavButton";
import { toast } from "../components/Toast";
import { api, errorText } from "../lib/api";
import { enqueue } from "../lib/outbox";
import { upsertSession } from "../lib/sessions";

/**
 * `/new`: an empty composer. The session is created on the first message (titled
 * after it), so "New session" clicks that never send leave nothing behind.
 */
export function NewSessionPage() {
  const navigate = useNavigate();
  const [busy, setBusy] = createSignal(false);

  async function send(content: string, ai: boolean | undefined) {
    if (busy()) return;
    setBusy(true);
    try {
      const session = await api<Session>("POST", "/chat/sessions", {
        title: titleFromContent(content),
      });
      upsertSession({ ...session, unreadCount: 0 });
      // Sent through the outbox like any message: the chat shows it pending, then sent.
      enqueue(session.id, content, ai);
      navigate(`/chat/${session.id}`, { replace: true });
    } catch (e) {
      toast(errorText(e));
      setBusy(false);
    }
  }

  return (
    <>
      <header class="chat-head">
        <OpenNavButton />
        <div class="chat-title">
          <h1 class="title-text" data-testid="new-session-title">
            New session
          </h1>
        </div>
      </header>
      <div class="messages" data-testid="messages">
        <div class="messages-inner">
          <div class="empty-chat" data-testid="new-session">
            <p>
              <strong>Start with a message.</strong>
            </p>
            <p>The session is created when you send it, and titled after it.</p>
          </div>
        </div>
      </div>
      <div class="composer-wrap">
        <Composer
          sessionId="new"
          canSend
          solo
          onSend={(content, ai) => void send(content, ai)}
          onTyping={() => {}}
          onFiles={() => toast("Send a first message, then attach documents to the session.")}
        />
      </div>
    </>
  );
}
