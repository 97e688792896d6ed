import type { AdminUsersResponse } from "@engunity/shared";
import { A } from "@solidjs/router";
import { createResource, createSignal, Match, Show, Switch } from "solid-js";
import { ApiError, api, errorText } from "../lib/api";
import { UsageTab } from "./UsageTab";
import { UsersPanel } from "./UsersPanel";
import "./admin.css";

/** The admin area (its own lazy chunk): usage analytics and users; 404 to anyone else. */
export default function AdminPage() {
  const [tab, setTab] = createSignal<"usage" | "users">("usage");
  // The page data answers 404 to anyone but an admin: that is the page's 404 too.
  const [probe] = createResource(() => api<AdminUsersResponse>("GET", "/admin/users?limit=200"));
  const notFound = () => probe.error instanceof ApiError && probe.error.status === 404;

  return (
    <div class="admin" data-testid="admin-page">
      <Switch>
        <Match when={notFound()}>
          <div class="admin-404" data-testid="admin-404">
            <h1>Page not found</h1>
            <p>There is nothing at this address.</p>
            <A href="/" class="btn">
              Back to your chats
            </A>
          </div>
        </Match>
        <Match when={probe.error}>
          <p class="error-text">{errorText(probe.error)}</p>
        </Match>
        <Match when={probe()}>
          <header class="admin-head">
            <h1>Admin</h1>
            <div class="segmented" role="tablist">
              <button
                type="button"
                role="tab"
                aria-selected={tab() === "usage"}
                onClick={() => setTab("usage")}
              >
                Usage
              </button>
              <button
                type="button"
                role="tab"
                data-testid="tab-users"
                aria-selected={tab() === "users"}
                onClick={() => setTab("users")}
              >
                Users
              </button>
            </div>
          </header>
          <Show when={tab() === "usage"} fallback={<UsersPanel />}>
            <UsageTab users={probe()?.users ?? []} />
          </Show>
        </Match>
      </Switch>
    </div>
  );
}
