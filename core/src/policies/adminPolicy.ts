import type { User } from "@engunity/db";
import { AppError } from "../errors";

/**
 * Admin routes exist only for admins: anyone else (signed in or not) gets the same
 * `not_found` as a route that does not exist, so the admin area is not discoverable.
 */
export function requireAdmin(user: Pick<User, "isActive" | "isSuperuser"> | undefined): void {
  if (!user?.isActive || !user.isSuperuser) throw new AppError("not_found", "No such route");
}
