import { type Logger, pino } from "pino";

export type { Logger };

/** The process logger. Authorization headers and tokens are redacted wherever they appear. */
export function createLogger(level: string, name = "engunity"): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "headers.authorization",
        "token",
        "accessToken",
        "password",
        "*.token",
        "*.password",
        "*.accessToken",
      ],
      censor: "[redacted]",
    },
  });
}
