import { z } from 'zod';

import { ZPageQuery, zPage } from '../../lib/pagination.js';

export const ZLabelId = z.object({ id: z.uuid() });

const ZColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex colour like #1f6feb');

export const ZCreateLabelBody = z.object({
  name: z.string().trim().min(1).max(64),
  color: ZColor.default('#6e7781'),
  description: z.string().trim().max(500).optional(),
});
export type TCreateLabelBody = z.infer<typeof ZCreateLabelBody>;

export const ZUpdateLabelBody = z
  .object({
    name: z.string().trim().min(1).max(64),
    color: ZColor,
    description: z.string().trim().max(500).nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type TUpdateLabelBody = z.infer<typeof ZUpdateLabelBody>;

export const ZListLabelsQuery = ZPageQuery.extend({ search: z.string().trim().max(100).optional() });
export type TListLabelsQuery = z.infer<typeof ZListLabelsQuery>;

export const ZLabel = z
  .object({
    id: z.uuid(),
    name: z.string(),
    color: z.string(),
    description: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Label' });
export type TLabel = z.infer<typeof ZLabel>;

export const ZLabelPage = zPage(ZLabel);
