import { createSignal } from "solid-js";

/**
 * Light/dark: follows the system until the user picks one with the toggle. Applied
 * as `data-theme` on <html> from the entry module (CSP allows no inline script, so
 * there is no pre-paint snippet; the CSS alone follows prefers-color-scheme first).
 */
export type Theme = "light" | "dark";
const KEY = "engunity.theme";
const media = window.matchMedia("(prefers-color-scheme: dark)");

const stored = localStorage.getItem(KEY);
const [theme, setThemeSignal] = createSignal<Theme>(
  stored === "light" || stored === "dark" ? stored : media.matches ? "dark" : "light",
);

export { theme };

export function setTheme(t: Theme): void {
  localStorage.setItem(KEY, t);
  setThemeSignal(t);
  document.documentElement.dataset.theme = t;
}

export function toggleTheme(): void {
  setTheme(theme() === "dark" ? "light" : "dark");
}

if (stored === "light" || stored === "dark") document.documentElement.dataset.theme = stored;
media.addEventListener("change", (e) => {
  if (!localStorage.getItem(KEY)) setThemeSignal(e.matches ? "dark" : "light");
});
