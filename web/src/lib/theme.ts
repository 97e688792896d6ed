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

// The resolved theme always goes on <html>, so theme-specific rules (code colours)
// need only one selector; the media query in the CSS covers the first paint.
document.documentElement.dataset.theme = theme();
media.addEventListener("change", (e) => {
  if (localStorage.getItem(KEY)) return;
  setThemeSignal(e.matches ? "dark" : "light");
  document.documentElement.dataset.theme = theme();
});
