import type { User } from "@engunity/shared";

/** How a person is named in the UI. */
export const displayName = (u: Pick<User, "username" | "fullName"> | undefined | null) =>
  u ? u.fullName?.trim() || u.username : "Someone";

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return "?";
  if (parts.length === 1) return parts[0]!.slice(0, 2).toUpperCase();
  return (parts[0]![0]! + parts[parts.length - 1]![0]!).toUpperCase();
}

/** A stable, readable colour per user id (white initials stay legible on all of them). */
export function colorFor(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  const hue = h % 360;
  // Yellows and greens are light at equal lightness: darker there, so the white
  // initials keep a 4.5:1 contrast on every hue (WCAG AA, checked by axe-core).
  return `hsl(${hue} 55% ${hue >= 30 && hue <= 200 ? 30 : 40}%)`;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

export function shortTime(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? timeFmt.format(d)
    : `${dayFmt.format(d)}, ${timeFmt.format(d)}`;
}

export const titleOf = (s: { title: string } | null | undefined) =>
  s?.title?.trim() || "Untitled session";
