import type { Me } from "@engunity/shared";
import { createSignal } from "solid-js";
import { api } from "./api";

/** Whether the signed-in user is an admin (from `GET /auth/me`; false until known). */
const [isAdmin, setIsAdmin] = createSignal(false);

export { isAdmin };

/** Re-reads the caller's account; failures leave the admin link hidden. */
export async function refreshMe(): Promise<void> {
  try {
    setIsAdmin((await api<Me>("GET", "/auth/me")).isSuperuser);
  } catch {
    setIsAdmin(false);
  }
}
