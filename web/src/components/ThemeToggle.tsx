import { theme, toggleTheme } from "../lib/theme";

export function ThemeToggle() {
  return (
    <button
      type="button"
      class="btn btn-ghost btn-icon"
      data-testid="theme-toggle"
      aria-label={theme() === "dark" ? "Switch to light theme" : "Switch to dark theme"}
      title="Toggle theme"
      onClick={toggleTheme}
    >
      {theme() === "dark" ? "☀" : "☾"}
    </button>
  );
}
