import { foundationTables } from './tables/foundation.js';

/**
 * Typed view of the tables created by src/db/migrations; test/integration/db checks both stay in step. Each module's
 * tables live in src/db/tables/<module>.ts and join the schema here.
 */
export * from './tables/foundation.js';

export const schema = { ...foundationTables };
