import type { FastifyInstance } from 'fastify';

import type { Metrics } from '../metrics.js';

export const registerMetrics = (app: FastifyInstance, metrics: Metrics) => {
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

};
