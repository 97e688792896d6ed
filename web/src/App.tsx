import { Navigate, Route, Router, useLocation } from "@solidjs/router";
import { lazy, type ParentProps, Show } from "solid-js";
import { Shell } from "./components/Shell";
import { ToastHost } from "./components/Toast";
import { accessToken } from "./lib/auth";
import { ChatPage } from "./pages/ChatPage";
import { HomePage } from "./pages/HomePage";
import { InvitePage } from "./pages/InvitePage";
import { LoginPage } from "./pages/LoginPage";
import { NewSessionPage } from "./pages/NewSessionPage";
import { WidgetPage } from "./pages/WidgetPage";

/** The admin area: a chunk of its own (with uPlot), never part of the chat page's budget. */
const AdminPage = lazy(() => import("./admin/AdminPage"));

/** Signed-in pages; anyone else goes to /login and comes back after. */
function Authed(props: ParentProps) {
  const location = useLocation();
  return (
    <Show
      when={accessToken()}
      fallback={<Navigate href={`/login?next=${encodeURIComponent(location.pathname)}`} />}
    >
      <Shell>{props.children}</Shell>
    </Show>
  );
}

function Root(props: ParentProps) {
  return (
    <>
      {props.children}
      <ToastHost />
    </>
  );
}

export function App() {
  return (
    <Router root={Root}>
      <Route path="/login" component={LoginPage} />
      <Route path="/" component={Authed}>
        <Route path="/" component={HomePage} />
        <Route path="/new" component={NewSessionPage} />
        <Route path="/chat/:sessionId" component={ChatPage} />
        <Route path="/invite/:token" component={InvitePage} />
        <Route path="/widget" component={WidgetPage} />
        <Route path="/admin" component={AdminPage} />
      </Route>
      <Route path="*" component={() => <Navigate href="/" />} />
    </Router>
  );
}
