import type { Revocation } from "@engunity/core";

/**
 * Cuts a user's live connections on every node — Socket.IO and Yjs — within a second,
 * and ends every login session of theirs, through the one revocation module (issue 11,
 * core/src/auth/revocation.ts). The admin page calls it when it deactivates someone;
 * new connections are refused at the handshake once the account is inactive.
 */
export async function revokeUserConnections(
  deps: { revocation: Revocation },
  userId: string,
): Promise<void> {
  await deps.revocation.revokeUser(userId);
}
