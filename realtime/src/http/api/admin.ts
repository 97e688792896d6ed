import {
  adminUserSchema,
  adminUsersQuerySchema,
  adminUsersResponseSchema,
  analyticsQuerySchema,
  analyticsResponseSchema,
  patchAdminUserBodySchema,
} from "@engunity/shared";
import type { ApiRoute } from "./route";

/** The admin pages: users and analytics. */
export const ADMIN_ROUTES: readonly ApiRoute[] = [
  {
    method: "get",
    path: "/admin/users",
    summary: "Accounts with activity and token counts (admins only; 404 to anyone else)",
    query: adminUsersQuerySchema,
    response: adminUsersResponseSchema,
  },
  {
    method: "patch",
    path: "/admin/users/:id",
    summary: "Deactivate, reactivate, promote, demote, reset the quota (admins only)",
    body: patchAdminUserBodySchema,
    response: adminUserSchema,
  },
  {
    method: "get",
    path: "/admin/analytics",
    summary: "Usage analytics over a range (admins only)",
    query: analyticsQuerySchema,
    response: analyticsResponseSchema,
  },
];
