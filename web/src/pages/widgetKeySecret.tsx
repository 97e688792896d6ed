import { toast } from "../components/Toast";

/** The script tag a host page adds (its backend serves `/engunity-token`). */
export function embedSnippet(): string {
  return `<script src="${location.origin}/widget.js" data-token-endpoint="/engunity-token" async></script>`;
}

/** The host backend's token exchange, as a curl line. */
export function tokenCurl(secret = "$WIDGET_KEY"): string {
  return `curl -s ${location.origin}/api/v1/widget/tokens -H "x-widget-key: ${secret}" -H "content-type: application/json" -d '{"visitor":{"id":"user-123","name":"Ada"},"pageUrl":"https://app.example.com/help"}'`;
}

/** Copies `text` and says so (or that it could not). */
export async function copy(text: string, what: string) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast(`Could not copy the ${what.toLowerCase()}`);
  }
}

/** A key's secret, shown once (created or rotated), with the backend's curl line and the tag. */
export function SecretView(props: { secret: string; title?: string; onClose: () => void }) {
  return (
    <div class="stack-form widget-key-created" data-testid="widget-key-created">
      <h2>{props.title ?? "Key created"}</h2>
      <p class="muted">
        Keep the key in your backend: it is shown this once, and a page must never hold it. Your
        backend trades it for a visitor's token:
      </p>
      <pre class="widget-snippet" data-testid="widget-key-secret">
        {tokenCurl(props.secret)}
      </pre>
      <button class="btn btn-sm" type="button" onClick={() => void copy(props.secret, "Key")}>
        Copy key
      </button>
      <p class="muted">Then add this to your pages:</p>
      <pre class="widget-snippet">{embedSnippet()}</pre>
      <button class="btn btn-sm" type="button" onClick={() => void copy(embedSnippet(), "Snippet")}>
        Copy snippet
      </button>
      <div class="dialog-actions">
        <button class="btn btn-primary" type="button" onClick={props.onClose}>
          Done
        </button>
      </div>
    </div>
  );
}
