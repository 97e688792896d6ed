import { colorFor, initials } from "../lib/format";

/** A round avatar with the person's initials on a colour derived from their id. */
export function Avatar(props: { id: string; name: string; small?: boolean; ai?: boolean }) {
  return (
    <span
      class="avatar"
      classList={{ sm: props.small, ai: props.ai }}
      style={props.ai ? undefined : { background: colorFor(props.id) }}
      title={props.name}
      aria-hidden="true"
    >
      {props.ai ? "AI" : initials(props.name)}
    </span>
  );
}
