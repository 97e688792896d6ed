import type { Message } from "./objects";

/**
 * A message as `message:new` carries it to a room: the envelope's `sessionId` is not
 * repeated inside, and an empty `metadata` is left out. `fromRoomMessage` restores the
 * contract's `message`. (A module of its own: the web client takes it without zod.)
 */
export type RoomMessage = Omit<Message, "sessionId" | "metadata"> & {
  metadata?: Message["metadata"];
};

export function fromRoomMessage(sessionId: string, m: RoomMessage): Message {
  return { ...m, sessionId, metadata: m.metadata ?? {} };
}
