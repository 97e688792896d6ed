import type { SocketHandler } from "../types";
import { aiResume } from "./aiResume";
import { aiStop } from "./aiStop";
import { aiContinue, aiRegenerate, messageEdit, messageVersionsHandler } from "./answerControls";
import { messageSend } from "./messageSend";
import { sessionJoin } from "./sessionJoin";
import { sessionLeave } from "./sessionLeave";
import { sessionMembers, sessionPresence } from "./sessionPages";
import { typing } from "./typing";

/** Every client event the gateway answers. A new event is one file and one entry here. */
export const socketHandlers: SocketHandler[] = [
  sessionJoin,
  sessionLeave,
  sessionMembers,
  sessionPresence,
  messageSend,
  typing,
  aiStop,
  aiResume,
  aiRegenerate,
  aiContinue,
  messageEdit,
  messageVersionsHandler,
];
