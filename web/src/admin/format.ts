/** Number and date formatting shared by the admin panels. */
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/** The viewer's zone: the server groups days and hours in it. */
export const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined
    ? "—"
    : n.toLocaleString(undefined, { maximumFractionDigits: digits });
export const usd = (n: number | null) => (n === null ? "—" : `$${n.toFixed(n < 1 ? 4 : 2)}`);
export const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

/** Every calendar day of the range in the viewer's zone, `YYYY-MM-DD`. */
export function daysOf(from: string, to: string): string[] {
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
export function perDay<T extends { day: string }>(
  days: string[],
  rows: T[],
  pick: (r: T) => number,
): number[] {
  const by = new Map(rows.map((r) => [r.day, pick(r)]));
  return days.map((d) => by.get(d) ?? 0);
}
