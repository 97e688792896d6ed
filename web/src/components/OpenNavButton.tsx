import { Icon } from "./Icon";
import { useOpenNav } from "./Shell";

/** The phone header's button that slides the sessions list in. */
export function OpenNavButton() {
  const openNav = useOpenNav();
  return (
    <button
      class="btn btn-ghost btn-icon only-phone"
      type="button"
      aria-label="Open sessions"
      onClick={openNav}
    >
      <Icon name="menu" size={18} />
    </button>
  );
}
