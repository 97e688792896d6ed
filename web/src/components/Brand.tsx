export function Brand() {
  return (
    <span class="brand">
      <span class="brand-mark" aria-hidden="true">
        E
      </span>
      Engunity
    </span>
  );
}
