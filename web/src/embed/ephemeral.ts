import { useWidgetDocuments } from "../lib/api";
import { useEphemeralAuth } from "../lib/auth";

// Imported first by the embed's entry, before the socket module runs: this origin's
// stored sign-in (a team member's, say) must never be the embed's identity.
useEphemeralAuth(null, null);
// Cited documents open through the widget route, with the widget token.
useWidgetDocuments();
