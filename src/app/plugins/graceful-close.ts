import type { FastifyInstance } from 'fastify';

/**
 * app.close() waits for every open socket, and keep-alive sockets that finish their last request after close began
 * would hold shutdown for the whole keep-alive timeout. While closing, answers carry `Connection: close` and idle
 * sockets are reaped until the server has closed.
 */
export const registerGracefulClose = (app: FastifyInstance) => {
  let isClosing = false;
  app.addHook('preClose', async () => {
    isClosing = true;
    const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
    app.server.once('close', () => clearInterval(reaper));
  });
  app.addHook('onSend', async (_req, reply) => {
    if (isClosing) reply.header('connection', 'close');
  });
};
