import { sql } from 'drizzle-orm';

/**
 * PostgreSQL array parameters, for multi-row statements built with `unnest(...)`: one parameter per column whatever
 * the row count (drizzle would otherwise expand a JS array into a parenthesised list, one parameter per value, and
 * PostgreSQL caps a statement at 65,535). Both drivers (PGlite and node-postgres) serialise JS arrays of strings and
 * numbers as array literals; uuids contain no characters that need quoting, so their literal is built here.
 */
export const uuidArray = (ids: readonly string[]) => sql`${sql.param(`{${ids.join(',')}}`)}::uuid[]`;
export const nullableUuidArray = (ids: readonly (string | null)[]) => sql`${sql.param(`{${ids.map((id) => id ?? 'NULL').join(',')}}`)}::uuid[]`;
export const textArray = (values: readonly string[]) => sql`${sql.param(values)}::text[]`;
export const nullableTextArray = (values: readonly (string | null)[]) => sql`${sql.param(values)}::text[]`;
export const intArray = (values: readonly number[]) => sql`${sql.param(values)}::int4[]`;
export const bigintArray = (values: readonly number[]) => sql`${sql.param(values)}::int8[]`;
export const nullableIntArray = (values: readonly (number | null)[]) => sql`${sql.param(values)}::int4[]`;
export const smallintArray = (values: readonly number[]) => sql`${sql.param(values)}::int2[]`;
