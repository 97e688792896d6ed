import type { AiPreference, ProviderListing, Session } from "@engunity/shared";
import { createResource, For, Show } from "solid-js";
import { api } from "../lib/api";

const PREFERENCES: { value: AiPreference; label: string }[] = [
  { value: "fast", label: "Fast (Groq first)" },
  { value: "private", label: "Private (this server only)" },
  { value: "quality", label: "Best quality" },
];

const HEALTH: Record<string, string> = { open: " — paused", half_open: " — recovering" };

/** The session's value: `auto`, `pref:<preference>` or `model:<provider>:<model>`. */
function pickerValue(s: Session["settings"]): string {
  if (s.provider) return `model:${s.provider}:${s.model ?? ""}`;
  if (s.preference) return `pref:${s.preference}`;
  return "auto";
}

/**
 * The session's model choice (editors): automatic routing, a preference (fast,
 * private, quality) or one provider's model, from `GET /providers` — the same catalog
 * the workers route with, health included.
 */
export function ModelPicker(props: {
  session: Session;
  onChange: (settings: {
    provider: string | null;
    model: string | null;
    preference: AiPreference | null;
  }) => void;
}) {
  const [listing] = createResource(() => api<ProviderListing>("GET", "/providers"));
  const current = () => pickerValue(props.session.settings);
  const change = (value: string) => {
    if (value.startsWith("model:")) {
      const [, provider, ...rest] = value.split(":");
      props.onChange({
        provider: provider ?? null,
        model: rest.join(":") || null,
        preference: null,
      });
    } else if (value.startsWith("pref:")) {
      props.onChange({ provider: null, model: null, preference: value.slice(5) as AiPreference });
    } else props.onChange({ provider: null, model: null, preference: null });
  };
  return (
    <select
      class="select model-picker"
      data-testid="model-picker"
      aria-label="AI model for this session"
      onChange={(e) => change(e.currentTarget.value)}
    >
      <option value="auto" selected={current() === "auto"}>
        Automatic
      </option>
      <optgroup label="Preference">
        <For each={PREFERENCES}>
          {(p) => (
            <option value={`pref:${p.value}`} selected={current() === `pref:${p.value}`}>
              {p.label}
            </option>
          )}
        </For>
      </optgroup>
      <Show when={listing()}>
        <For each={listing()!.providers.filter((p) => p.name !== "offline")}>
          {(p) => (
            <optgroup
              label={`${p.name}${HEALTH[p.health.state] ?? ""}${p.health.rateLimitedUntil ? " — rate-limited" : ""}`}
            >
              <For each={p.models}>
                {(m) => (
                  <option
                    value={`model:${p.name}:${m}`}
                    selected={current() === `model:${p.name}:${m}`}
                  >
                    {m}
                  </option>
                )}
              </For>
            </optgroup>
          )}
        </For>
      </Show>
    </select>
  );
}
