import type { AdminUser, AdminUsersResponse } from "@engunity/shared";
import { createResource, createSignal, For, Show } from "solid-js";
import { toast } from "../components/Toast";
import { api, errorText } from "../lib/api";
import { currentUser } from "../lib/auth";
import { fmt, when } from "./format";
import { Empty, Panel } from "./Panel";

/** The users tab: search, the list, and each user's actions. */
export function UsersPanel() {
  const [q, setQ] = createSignal("");
  const [users, { refetch }] = createResource(q, (search) =>
    api<AdminUsersResponse>("GET", `/admin/users?limit=200&q=${encodeURIComponent(search)}`),
  );
  const me = () => currentUser()?.id;
  const change = async (u: AdminUser, body: Record<string, unknown>, done: string) => {
    try {
      await api("PATCH", `/admin/users/${u.user.id}`, body);
      toast(done);
      await refetch();
    } catch (e) {
      toast(errorText(e));
    }
  };
  return (
    <Panel
      title="Users"
      wide
      tools={
        <input
          class="input admin-search"
          type="search"
          placeholder="Search name or email"
          aria-label="Search users"
          data-testid="user-search"
          value={q()}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
      }
      csv={() => [
        "users",
        [
          "username",
          "email",
          "active",
          "admin",
          "last active",
          "messages",
          "prompt tokens",
          "completion tokens",
          "tokens today",
        ],
        (users()?.users ?? []).map((u) => [
          u.user.username,
          u.user.email,
          u.isActive,
          u.isSuperuser,
          u.lastActiveAt ?? "",
          u.messages,
          u.promptTokens,
          u.completionTokens,
          u.tokensToday,
        ]),
      ]}
    >
      <Show
        when={(users.latest?.users.length ?? 0) > 0}
        fallback={<Empty text={users.loading ? "Loading…" : "No users match"} />}
      >
        <div class="table-wrap">
          <table class="admin-table">
            <thead>
              <tr>
                <th>User</th>
                <th>Status</th>
                <th>Last active</th>
                <th class="num">Messages</th>
                <th class="num">Tokens</th>
                <th class="num">Today</th>
                <th />
              </tr>
            </thead>
            <tbody>
              <For each={users.latest?.users}>
                {(u) => (
                  <tr data-testid={`user-${u.user.username}`}>
                    <td>
                      <strong>{u.user.username}</strong>
                      <div class="muted small">{u.user.email}</div>
                    </td>
                    <td>
                      <span class="badge" classList={{ off: !u.isActive }}>
                        {u.isActive ? "active" : "deactivated"}
                      </span>
                      <Show when={u.isSuperuser}>
                        <span class="badge admin-badge">admin</span>
                      </Show>
                    </td>
                    <td class="small">{when(u.lastActiveAt)}</td>
                    <td class="num">{fmt(u.messages)}</td>
                    <td class="num">{fmt(u.promptTokens + u.completionTokens)}</td>
                    <td class="num">{fmt(u.tokensToday)}</td>
                    <td class="actions">
                      <div>
                        <Show when={u.user.id !== me()}>
                          <button
                            type="button"
                            class="btn btn-sm"
                            classList={{ "btn-danger": u.isActive }}
                            data-testid="toggle-active"
                            onClick={() =>
                              void change(
                                u,
                                { isActive: !u.isActive },
                                u.isActive
                                  ? `${u.user.username} deactivated`
                                  : `${u.user.username} reactivated`,
                              )
                            }
                          >
                            {u.isActive ? "Deactivate" : "Reactivate"}
                          </button>
                          <button
                            type="button"
                            class="btn btn-sm"
                            data-testid="toggle-admin"
                            onClick={() =>
                              void change(
                                u,
                                { isSuperuser: !u.isSuperuser },
                                u.isSuperuser
                                  ? `${u.user.username} is no longer an admin`
                                  : `${u.user.username} is now an admin`,
                              )
                            }
                          >
                            {u.isSuperuser ? "Demote" : "Make admin"}
                          </button>
                        </Show>
                        <button
                          type="button"
                          class="btn btn-sm btn-ghost"
                          data-testid="reset-quota"
                          disabled={u.tokensToday === 0}
                          onClick={() =>
                            void change(u, { resetQuota: true }, `${u.user.username}'s quota reset`)
                          }
                        >
                          Reset quota
                        </button>
                      </div>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </Panel>
  );
}
