import type { AdminUser, AdminUsersResponse, AnalyticsResponse } from "@engunity/shared";
import { A } from "@solidjs/router";
import {
  createMemo,
  createResource,
  createSignal,
  For,
  type JSX,
  Match,
  Show,
  Switch,
} from "solid-js";
import { toast } from "../components/Toast";
import { ApiError, api, errorText } from "../lib/api";
import { currentUser } from "../lib/auth";
import { DayChart } from "./Chart";
import { downloadCsv } from "./csv";
import "./admin.css";

type RangeKey = "24h" | "7d" | "30d" | "custom";
const RANGE_DAYS: Record<Exclude<RangeKey, "custom">, number> = { "24h": 1, "7d": 7, "30d": 30 };
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined
    ? "—"
    : n.toLocaleString(undefined, { maximumFractionDigits: digits });
const usd = (n: number | null) => (n === null ? "—" : `$${n.toFixed(n < 1 ? 4 : 2)}`);
/** Every calendar day of the range in the viewer's zone, so a chart spans the whole range. */
function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  const day = (d: Date) =>
    `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const end = new Date(to);
  for (let d = new Date(from); d <= end && out.length < 500; d.setDate(d.getDate() + 1))
    out.push(day(d));
  if (out.at(-1) !== day(end)) out.push(day(end));
  return out;
}

/** `rows` keyed by day, spread over every day of the range (missing days are 0). */
function perDay<T extends { day: string }>(
  days: string[],
  rows: T[],
  pick: (r: T) => number,
): number[] {
  const by = new Map(rows.map((r) => [r.day, pick(r)]));
  return days.map((d) => by.get(d) ?? 0);
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

/** The admin area: usage analytics and accounts. A lazily loaded chunk of its own. */
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
            <UsagePanel users={probe()?.users ?? []} />
          </Show>
        </Match>
      </Switch>
    </div>
  );
}

function UsagePanel(props: { users: AdminUser[] }) {
  const [range, setRange] = createSignal<RangeKey>("7d");
  const [customFrom, setCustomFrom] = createSignal("");
  const [customTo, setCustomTo] = createSignal("");
  const [provider, setProvider] = createSignal("");
  const [model, setModel] = createSignal("");
  const [userId, setUserId] = createSignal("");

  const query = createMemo(() => {
    const p = new URLSearchParams({ tz });
    const r = range();
    if (r === "custom") {
      if (customFrom()) p.set("from", new Date(customFrom()).toISOString());
      if (customTo()) p.set("to", new Date(customTo()).toISOString());
    } else {
      const to = new Date();
      p.set("to", to.toISOString());
      p.set("from", new Date(to.getTime() - RANGE_DAYS[r] * 86_400_000).toISOString());
    }
    if (provider()) p.set("provider", provider());
    if (model()) p.set("model", model());
    if (userId()) p.set("userId", userId());
    return p.toString();
  });
  const [data] = createResource(query, (q) =>
    api<AnalyticsResponse>("GET", `/admin/analytics?${q}`),
  );
  const [last, setLast] = createSignal<AnalyticsResponse>();
  createMemo(() => {
    const d = data();
    if (d) setLast(d);
  });
  const a = () => last();
  const providers = () => [...new Set((a()?.models ?? []).map((m) => m.provider))];
  const models = () => [
    ...new Set(
      (a()?.models ?? [])
        .filter((m) => !provider() || m.provider === provider())
        .map((m) => m.model),
    ),
  ];
  const priced = () => a()?.priced ?? false;
  const days = createMemo(() => {
    const r = a()?.range;
    return r ? daysOf(r.from, r.to) : [];
  });

  return (
    <>
      <div class="admin-toolbar">
        <fieldset class="segmented" aria-label="Range">
          <For each={["24h", "7d", "30d", "custom"] as RangeKey[]}>
            {(r) => (
              <button
                type="button"
                data-testid={`range-${r}`}
                aria-pressed={range() === r}
                onClick={() => setRange(r)}
              >
                {r === "custom" ? "Custom" : r.replace("h", " h").replace("d", " d")}
              </button>
            )}
          </For>
        </fieldset>
        <Show when={range() === "custom"}>
          <label class="inline-field">
            From
            <input
              class="input"
              type="datetime-local"
              value={customFrom()}
              onChange={(e) => setCustomFrom(e.currentTarget.value)}
            />
          </label>
          <label class="inline-field">
            To
            <input
              class="input"
              type="datetime-local"
              value={customTo()}
              onChange={(e) => setCustomTo(e.currentTarget.value)}
            />
          </label>
        </Show>
        <select
          class="input"
          aria-label="Provider"
          data-testid="filter-provider"
          value={provider()}
          onChange={(e) => {
            setProvider(e.currentTarget.value);
            setModel("");
          }}
        >
          <option value="">All providers</option>
          <For each={providers()}>{(p) => <option value={p}>{p}</option>}</For>
        </select>
        <select
          class="input"
          aria-label="Model"
          data-testid="filter-model"
          value={model()}
          onChange={(e) => setModel(e.currentTarget.value)}
        >
          <option value="">All models</option>
          <For each={models()}>{(m) => <option value={m}>{m}</option>}</For>
        </select>
        <select
          class="input"
          aria-label="User"
          data-testid="filter-user"
          value={userId()}
          onChange={(e) => setUserId(e.currentTarget.value)}
        >
          <option value="">All users</option>
          <For each={props.users}>
            {(u) => <option value={u.user.id}>{u.user.username}</option>}
          </For>
        </select>
        <span class="admin-tz" title="Days and hours are in this time zone">
          {data.loading ? "Loading…" : tz}
        </span>
      </div>
      <Show when={data.error}>
        <p class="error-text">{errorText(data.error)}</p>
      </Show>
      <Show when={a()} fallback={<p class="muted">Loading…</p>}>
        {(d) => (
          <div class="admin-grid" data-testid="analytics" data-range={d().range.from}>
            {/* the chart's x axis: every day of the range */}
            <Card
              title="Tokens per day"
              wide
              csv={() => [
                "tokens-per-day",
                ["day", "prompt tokens", "completion tokens", "cost USD"],
                d().tokensByDay.map((r) => [r.day, r.promptTokens, r.completionTokens, r.cost]),
              ]}
            >
              <DayChart
                label="Tokens per day"
                days={d().tokensByDay.length ? days() : []}
                series={[
                  {
                    label: "Prompt",
                    values: perDay(days(), d().tokensByDay, (r) => r.promptTokens),
                    color: "--accent",
                  },
                  {
                    label: "Completion",
                    values: perDay(days(), d().tokensByDay, (r) => r.completionTokens),
                    color: "--success",
                  },
                ]}
              />
            </Card>
            <Card
              title="Response time and first token (ms)"
              wide
              testId="latency"
              csv={() => [
                "latency",
                [
                  "provider",
                  "model",
                  "answers",
                  "ttft p50",
                  "ttft p95",
                  "ttft p99",
                  "duration p50",
                  "duration p95",
                  "duration p99",
                ],
                d().latency.map((r) => [
                  r.provider,
                  r.model,
                  r.answers,
                  r.ttftMs.p50,
                  r.ttftMs.p95,
                  r.ttftMs.p99,
                  r.durationMs.p50,
                  r.durationMs.p95,
                  r.durationMs.p99,
                ]),
              ]}
            >
              <Table
                empty={d().latency.length === 0}
                text={2}
                head={[
                  "Provider",
                  "Model",
                  "Answers",
                  "TTFT p50",
                  "p95",
                  "p99",
                  "Total p50",
                  "p95",
                  "p99",
                ]}
              >
                <For each={d().latency}>
                  {(r) => (
                    <tr>
                      <td>{r.provider}</td>
                      <td class="mono">{r.model}</td>
                      <td class="num">{fmt(r.answers)}</td>
                      <td class="num">{fmt(r.ttftMs.p50)}</td>
                      <td class="num">{fmt(r.ttftMs.p95)}</td>
                      <td class="num">{fmt(r.ttftMs.p99)}</td>
                      <td class="num">{fmt(r.durationMs.p50)}</td>
                      <td class="num">{fmt(r.durationMs.p95)}</td>
                      <td class="num">{fmt(r.durationMs.p99)}</td>
                    </tr>
                  )}
                </For>
              </Table>
            </Card>
            <Card
              title="Active users and sessions per day"
              csv={() => [
                "activity",
                ["day", "active users", "active sessions"],
                d().activity.map((r) => [r.day, r.activeUsers, r.activeSessions]),
              ]}
            >
              <DayChart
                label="Active users and sessions per day"
                days={d().activity.length ? days() : []}
                series={[
                  {
                    label: "Users",
                    values: perDay(days(), d().activity, (r) => r.activeUsers),
                    color: "--accent",
                  },
                  {
                    label: "Sessions",
                    values: perDay(days(), d().activity, (r) => r.activeSessions),
                    color: "--warning",
                  },
                ]}
              />
            </Card>
            <Card
              title="Database errors and auth failures"
              csv={() => [
                "errors",
                ["day", "database errors", "auth failures"],
                d().errors.map((r) => [r.day, r.dbErrors, r.authFailures]),
              ]}
            >
              <DayChart
                label="Database errors and authentication failures per day"
                days={d().errors.length ? days() : []}
                series={[
                  {
                    label: "DB errors",
                    values: perDay(days(), d().errors, (r) => r.dbErrors),
                    color: "--danger",
                  },
                  {
                    label: "Auth failures",
                    values: perDay(days(), d().errors, (r) => r.authFailures),
                    color: "--warning",
                  },
                ]}
              />
            </Card>
            <Card
              title={`Peak usage (messages, ${tz})`}
              wide
              csv={() => [
                "peak-usage",
                ["weekday", ...Array.from({ length: 24 }, (_, h) => `${h}:00`)],
                d().heatmap.map((row, i) => [WEEKDAYS[i], ...row]),
              ]}
            >
              <Heatmap grid={d().heatmap} />
            </Card>
            <Card
              title="Tokens by model"
              testId="by-model"
              csv={() => [
                "tokens-by-model",
                ["provider", "model", "answers", "prompt tokens", "completion tokens", "cost USD"],
                d().tokensByModel.map((r) => [
                  r.provider,
                  r.model,
                  r.answers,
                  r.promptTokens,
                  r.completionTokens,
                  r.cost,
                ]),
              ]}
            >
              <Table
                empty={d().tokensByModel.length === 0}
                head={["Model", "Answers", "Prompt", "Completion", ...(priced() ? ["Cost"] : [])]}
              >
                <For each={d().tokensByModel}>
                  {(r) => (
                    <tr>
                      <td class="mono" title={r.provider}>
                        {r.provider}/{r.model}
                      </td>
                      <td class="num">{fmt(r.answers)}</td>
                      <td class="num">{fmt(r.promptTokens)}</td>
                      <td class="num">{fmt(r.completionTokens)}</td>
                      <Show when={priced()}>
                        <td class="num">{usd(r.cost)}</td>
                      </Show>
                    </tr>
                  )}
                </For>
              </Table>
            </Card>
            <Card
              title="Tokens by user"
              csv={() => [
                "tokens-by-user",
                ["user", "prompt tokens", "completion tokens", "cost USD"],
                d().tokensByUser.map((r) => [
                  r.username,
                  r.promptTokens,
                  r.completionTokens,
                  r.cost,
                ]),
              ]}
            >
              <Table
                empty={d().tokensByUser.length === 0}
                head={["User", "Prompt", "Completion", ...(priced() ? ["Cost"] : [])]}
              >
                <For each={d().tokensByUser}>
                  {(r) => (
                    <tr>
                      <td>{r.username}</td>
                      <td class="num">{fmt(r.promptTokens)}</td>
                      <td class="num">{fmt(r.completionTokens)}</td>
                      <Show when={priced()}>
                        <td class="num">{usd(r.cost)}</td>
                      </Show>
                    </tr>
                  )}
                </For>
              </Table>
            </Card>
            <Card
              title="Tokens by session"
              csv={() => [
                "tokens-by-session",
                ["session id", "title", "prompt tokens", "completion tokens", "cost USD"],
                d().tokensBySession.map((r) => [
                  r.sessionId,
                  r.title,
                  r.promptTokens,
                  r.completionTokens,
                  r.cost,
                ]),
              ]}
            >
              <Table
                empty={d().tokensBySession.length === 0}
                head={["Session", "Prompt", "Completion", ...(priced() ? ["Cost"] : [])]}
              >
                <For each={d().tokensBySession}>
                  {(r) => (
                    <tr>
                      <td class="clip" title={r.title}>
                        {r.title || "Untitled"}
                      </td>
                      <td class="num">{fmt(r.promptTokens)}</td>
                      <td class="num">{fmt(r.completionTokens)}</td>
                      <Show when={priced()}>
                        <td class="num">{usd(r.cost)}</td>
                      </Show>
                    </tr>
                  )}
                </For>
              </Table>
            </Card>
            <Card
              title="Messages per user"
              csv={() => [
                "messages-per-user",
                ["user", "messages"],
                d().messagesByUser.map((r) => [r.username, r.messages]),
              ]}
            >
              <Table empty={d().messagesByUser.length === 0} head={["User", "Messages"]}>
                <For each={d().messagesByUser}>
                  {(r) => (
                    <tr>
                      <td>{r.username}</td>
                      <td class="num">{fmt(r.messages)}</td>
                    </tr>
                  )}
                </For>
              </Table>
            </Card>
            <Card
              title="AI failures"
              csv={() => [
                "ai-failures",
                ["provider", "kind", "count"],
                d().aiFailures.map((r) => [r.provider, r.kind, r.count]),
              ]}
            >
              <Table
                empty={d().aiFailures.length === 0}
                text={2}
                head={["Provider", "Kind", "Count"]}
              >
                <For each={d().aiFailures}>
                  {(r) => (
                    <tr>
                      <td>{r.provider}</td>
                      <td>{r.kind === "rate_limited" ? "rate limited" : r.kind}</td>
                      <td class="num">{fmt(r.count)}</td>
                    </tr>
                  )}
                </For>
              </Table>
            </Card>
          </div>
        )}
      </Show>
    </>
  );
}

/** A dashboard card with a title and, for tables, a CSV download. */
function Card(props: {
  title: string;
  wide?: boolean;
  testId?: string;
  csv?: () => [string, string[], unknown[][]];
  children: JSX.Element;
}) {
  return (
    <section class="admin-card" classList={{ wide: props.wide }} data-testid={props.testId}>
      <header>
        <h2>{props.title}</h2>
        <Show when={props.csv}>
          <button
            type="button"
            class="btn btn-ghost btn-sm"
            data-testid="csv"
            onClick={() => {
              const [name, columns, rows] = props.csv!();
              downloadCsv(name, columns, rows);
            }}
          >
            CSV
          </button>
        </Show>
      </header>
      {props.children}
    </section>
  );
}

function Table(props: {
  head: string[];
  empty: boolean;
  /** Leading text columns (left-aligned); the rest are numbers. */
  text?: number;
  children: JSX.Element;
}) {
  return (
    <Show when={!props.empty} fallback={<div class="chart-empty">No data in this range</div>}>
      <div class="table-wrap">
        <table class="admin-table">
          <thead>
            <tr>
              <For each={props.head}>
                {(h, i) => <th class={i() >= (props.text ?? 1) ? "num" : ""}>{h}</th>}
              </For>
            </tr>
          </thead>
          <tbody>{props.children}</tbody>
        </table>
      </div>
    </Show>
  );
}

/** Weekday × hour grid; the cell's shade is its share of the busiest hour. */
function Heatmap(props: { grid: number[][] }) {
  const max = () => Math.max(1, ...props.grid.flat());
  const total = () => props.grid.flat().reduce((a, b) => a + b, 0);
  return (
    <Show when={total() > 0} fallback={<div class="chart-empty">No data in this range</div>}>
      <div class="heatmap" role="img" aria-label="Messages by weekday and hour">
        <span />
        <For each={Array.from({ length: 24 }, (_, h) => h)}>
          {(h) => <span class="heat-hour">{h % 3 === 0 ? h : ""}</span>}
        </For>
        <For each={props.grid}>
          {(row, day) => (
            <>
              <span class="heat-day">{WEEKDAYS[day()]}</span>
              <For each={row}>
                {(n, hour) => (
                  <span
                    class="heat-cell"
                    data-testid={`heat-${day()}-${hour()}`}
                    title={`${WEEKDAYS[day()]} ${hour()}:00–${hour() + 1}:00 · ${n} messages`}
                    style={{ "--heat": String(n / max()) }}
                  />
                )}
              </For>
            </>
          )}
        </For>
      </div>
    </Show>
  );
}

function UsersPanel() {
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
    <section class="admin-card wide">
      <header>
        <h2>Users</h2>
        <input
          class="input admin-search"
          type="search"
          placeholder="Search name or email"
          aria-label="Search users"
          data-testid="user-search"
          value={q()}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
        <button
          type="button"
          class="btn btn-ghost btn-sm"
          data-testid="csv"
          onClick={() =>
            downloadCsv(
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
            )
          }
        >
          CSV
        </button>
      </header>
      <Show
        when={(users.latest?.users.length ?? 0) > 0}
        fallback={<div class="chart-empty">{users.loading ? "Loading…" : "No users match"}</div>}
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
    </section>
  );
}
