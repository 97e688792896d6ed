import type { RequestHandler } from "express";
import type { Metrics } from "../metrics";

/** Observes each request's latency, labelled by route pattern (never by raw path: ids would explode the label set). */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on("finish", () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      end({ route, status: String(res.statusCode) });
    });
    next();
  };
}
