import { z } from 'zod';

export const ZPageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type TPageQuery = z.infer<typeof ZPageQuery>;

export const ZPagination = z.object({
  page: z.number().int(),
  limit: z.number().int(),
  total: z.number().int(),
  pages: z.number().int(),
});

export const zPage = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), pagination: ZPagination });

export type Page<T> = { items: T[]; pagination: z.infer<typeof ZPagination> };

export const toPage = <T>(items: T[], total: number, query: TPageQuery): Page<T> => ({
  items,
  pagination: { page: query.page, limit: query.limit, total, pages: Math.ceil(total / query.limit) },
});

export const pageOffset = (query: TPageQuery): number => (query.page - 1) * query.limit;
