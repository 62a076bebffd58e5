import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

import { ERROR_STATUS } from '../lib/errors.js';

export type Envelope<T> = { success: true; data: T; requestId: string; timestamp: string };

export const envelope = <T>(req: FastifyRequest, data: T): Envelope<T> => ({
  success: true,
  data,
  requestId: req.id,
  timestamp: new Date().toISOString(),
});

export const zEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({ success: z.literal(true), data, requestId: z.string(), timestamp: z.string() });

export const ZErrorEnvelope = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
    requestId: z.string(),
    timestamp: z.string(),
  })
  .meta({ id: 'ErrorEnvelope' });

/** Documents the error answers every authenticated route can give, next to its success schema(s). */
export const withErrors = <T extends Record<number, z.ZodType>>(success: T) => ({
  ...success,
  400: ZErrorEnvelope,
  401: ZErrorEnvelope,
  403: ZErrorEnvelope,
  404: ZErrorEnvelope,
  409: ZErrorEnvelope,
  429: ZErrorEnvelope,
});
