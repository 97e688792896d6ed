import {
  authResponseSchema,
  changePasswordBodySchema,
  deleteAccountBodySchema,
  invitationSchema,
  loginBodySchema,
  loginSessionSchema,
  meSchema,
  patchMeBodySchema,
  registerBodySchema,
  selfSchema,
  sessionSchema,
} from "@engunity/shared";
import { z } from "zod";
import type { ApiRoute } from "./route";

/** Accounts, login sessions, invitations and blocking. */
export const ACCOUNT_ROUTES: readonly ApiRoute[] = [
  {
    method: "post",
    path: "/auth/register",
    summary: "Create an account",
    auth: false,
    body: registerBodySchema,
    status: 201,
    response: authResponseSchema,
  },
  {
    method: "post",
    path: "/auth/login",
    summary: "Sign in with username or email",
    auth: false,
    body: loginBodySchema,
    response: authResponseSchema,
  },
  {
    method: "get",
    path: "/auth/me",
    summary: "The signed-in user (with email), with whether they are an admin",
    response: meSchema,
  },
  {
    method: "patch",
    path: "/auth/me",
    summary: "Change one's name or consent setting",
    body: patchMeBodySchema,
    response: selfSchema,
  },
  {
    method: "delete",
    path: "/auth/me",
    summary: "Delete the account (password again); owned sessions go, messages stay anonymised",
    body: deleteAccountBodySchema,
    status: 204,
  },
  { method: "post", path: "/auth/logout", summary: "End this login session", status: 204 },
  {
    method: "post",
    path: "/auth/logout-all",
    summary: "End every login session of the caller",
    status: 204,
  },
  {
    method: "get",
    path: "/auth/sessions",
    summary: "The caller's live login sessions",
    response: z.object({ sessions: z.array(loginSessionSchema) }),
  },
  {
    method: "delete",
    path: "/auth/sessions/:id",
    summary: "End one login session (its connections are cut)",
    status: 204,
  },
  {
    method: "post",
    path: "/auth/password",
    summary: "Change the password; every other login session ends",
    body: changePasswordBodySchema,
    status: 204,
  },
  {
    method: "get",
    path: "/invitations",
    summary: "Adds waiting for the caller's consent",
    response: z.object({ invitations: z.array(invitationSchema) }),
  },
  {
    method: "post",
    path: "/invitations/:id/accept",
    summary: "Accept a pending invitation",
    response: z.object({ session: sessionSchema }),
  },
  {
    method: "post",
    path: "/invitations/:id/decline",
    summary: "Decline a pending invitation",
    status: 204,
  },
  { method: "post", path: "/users/:id/block", summary: "Block a person's adds", status: 204 },
  { method: "delete", path: "/users/:id/block", summary: "Unblock a person", status: 204 },
];
