// The host app's own script: it knows who is signed in, and re-renders its content
// the way a single-page app does (the widget must survive that).
document.getElementById("who").textContent =
  new URLSearchParams(location.search).get("as") || "Vera";
document.getElementById("rerender").addEventListener("click", () => {
  document.body.replaceChildren(
    ...[...document.body.childNodes].filter((n) => n.nodeName !== "ENGUNITY-WIDGET"),
  );
});
