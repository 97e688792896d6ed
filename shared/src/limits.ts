/** Limits shared by client and server. Changing one changes the contract. */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  emailMax: 254,
  passwordMin: 10,
  passwordMax: 128,
  fullNameMax: 100,
  titleMax: 200,
  messageMax: 32_000,
  clientIdMax: 64,
  searchQueryMax: 200,
  searchResultsMax: 50,
  historyPageDefault: 50,
  historyPageMax: 200,
  joinHistory: 50,
  /** Members and present people in a join ack, a presence page, a `session:members` page. */
  peoplePage: 50,
  peoplePageMax: 200,
  inviteMinutesDefault: 60 * 24 * 7,
  inviteMinutesMax: 60 * 24 * 30,
  inviteUsesMax: 10_000,
  /** Socket.IO frame cap (maxHttpBufferSize). */
  socketFrameBytes: 1_000_000,
  /** JSON body cap for REST. */
  jsonBodyBytes: 256 * 1024,
} as const;
