import { unsupportedMediaType } from "@engunity/core";
import type { RequestHandler } from "express";

/** Routes whose bodies are files (multipart or raw bytes), not JSON. */
const FILE_BODY = /\/documents\/?$/;

/**
 * A request with a body must say it is JSON. `express.json()` leaves any other body
 * unread, so without this a `text/plain` POST would be handled as if it had sent `{}`
 * (an untitled session, say) instead of being refused. Bodiless requests, and the
 * upload routes, pass.
 */
export const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  const length = req.headers["content-length"];
  const hasBody = (length !== undefined && length !== "0") || req.headers["transfer-encoding"];
  if (!hasBody || FILE_BODY.test(req.path) || req.is("application/json")) return next();
  next(unsupportedMediaType("Send the body as JSON (Content-Type: application/json)"));
};
