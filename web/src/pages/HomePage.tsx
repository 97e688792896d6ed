import { Brand } from "../components/Brand";

/** `/`: the sidebar is the page; on wide screens, a hint in the main pane. */
export function HomePage() {
  return (
    <div class="home-empty">
      <div>
        <Brand />
        <h2>Pick a session, or start a new one</h2>
        <p>Chat with your team and an AI that everyone watches answer in real time.</p>
      </div>
    </div>
  );
}
