import type { AdminUser, AnalyticsResponse } from "@engunity/shared";
import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { api, errorText } from "../lib/api";
import { daysOf, tz } from "./format";
import { ActivityPanel } from "./panels/ActivityPanel";
import { AiFailuresPanel } from "./panels/AiFailuresPanel";
import { ErrorsPanel } from "./panels/ErrorsPanel";
import { HeatmapPanel } from "./panels/HeatmapPanel";
import { LatencyPanel } from "./panels/LatencyPanel";
import { MessagesPerUserPanel } from "./panels/MessagesPerUserPanel";
import { TokensByModelPanel } from "./panels/TokensByModelPanel";
import { TokensBySessionPanel } from "./panels/TokensBySessionPanel";
import { TokensByUserPanel } from "./panels/TokensByUserPanel";
import { TokensPerDayPanel } from "./panels/TokensPerDayPanel";
import type { PanelProps } from "./panels/types";

type RangeKey = "24h" | "7d" | "30d" | "custom";
const RANGE_DAYS: Record<Exclude<RangeKey, "custom">, number> = { "24h": 1, "7d": 7, "30d": 30 };

/** The usage tab: range and filters, then every panel over the same response. */
export function UsageTab(props: { users: AdminUser[] }) {
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
  const panel = (data: AnalyticsResponse): PanelProps => ({ data, days: days(), priced: priced() });

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
        <FilterSelect
          label="Provider"
          all="All providers"
          value={provider()}
          options={providers().map((p) => [p, p])}
          onChange={(v) => {
            setProvider(v);
            setModel("");
          }}
        />
        <FilterSelect
          label="Model"
          all="All models"
          value={model()}
          options={models().map((m) => [m, m])}
          onChange={setModel}
        />
        <FilterSelect
          label="User"
          all="All users"
          value={userId()}
          options={props.users.map((u) => [u.user.id, u.user.username])}
          onChange={setUserId}
        />
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
            <TokensPerDayPanel {...panel(d())} />
            <LatencyPanel {...panel(d())} />
            <ActivityPanel {...panel(d())} />
            <ErrorsPanel {...panel(d())} />
            <HeatmapPanel {...panel(d())} />
            <TokensByModelPanel {...panel(d())} />
            <TokensByUserPanel {...panel(d())} />
            <TokensBySessionPanel {...panel(d())} />
            <MessagesPerUserPanel {...panel(d())} />
            <AiFailuresPanel {...panel(d())} />
          </div>
        )}
      </Show>
    </>
  );
}

/** One filter menu: "all" first, then each choice as [value, label]. */
function FilterSelect(props: {
  label: string;
  all: string;
  value: string;
  options: [string, string][];
  onChange: (value: string) => void;
}) {
  return (
    <select
      class="input"
      aria-label={props.label}
      data-testid={`filter-${props.label.toLowerCase()}`}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    >
      <option value="">{props.all}</option>
      <For each={props.options}>{([value, label]) => <option value={value}>{label}</option>}</For>
    </select>
  );
}
