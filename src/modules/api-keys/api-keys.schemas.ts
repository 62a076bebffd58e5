import { z } from 'zod';

import { ZPageQuery, zPage } from '../../lib/pagination.js';

export const ZApiKeyId = z.object({ id: z.uuid() });

export const ZCreateApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(z.string().trim().min(1).max(100))
    .min(1)
    .max(200)
    .describe('Permissions from the catalogue, "<module>:*", or "*"; each must be within your own permissions'),
  expiresAt: z.iso
    .datetime({ offset: true })
    .optional()
    .refine((value) => value === undefined || new Date(value).getTime() > Date.now(), 'must be in the future'),
});
export type TCreateApiKeyBody = z.infer<typeof ZCreateApiKeyBody>;

export const ZListApiKeysQuery = ZPageQuery;

export const ZApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the secret, to recognise it; the secret itself is never shown again'),
    scopes: z.array(z.string()),
    status: z.enum(['active', 'expired', 'revoked']),
    createdBy: z.uuid().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'ApiKey' });
export type TApiKey = z.infer<typeof ZApiKey>;

export const ZCreatedApiKey = ZApiKey.extend({ secret: z.string().describe('Shown once, now; store it safely') }).meta({ id: 'CreatedApiKey' });
export const ZApiKeyPage = zPage(ZApiKey);
