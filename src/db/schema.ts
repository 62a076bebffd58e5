import { agentsTables } from './tables/agents.js';
import { crawlerTables } from './tables/crawler.js';
import { foundationTables } from './tables/foundation.js';
import { identityTables } from './tables/identity.js';
import { knowledgeTables } from './tables/knowledge.js';
import { retrievalTables } from './tables/retrieval.js';

/**
 * Typed view of the tables created by src/db/migrations; test/integration/db checks both stay in step. Each module's
 * tables live in src/db/tables/<module>.ts and join the schema here.
 */
export * from './tables/agents.js';
export * from './tables/crawler.js';
export * from './tables/foundation.js';
export * from './tables/identity.js';
export * from './tables/knowledge.js';
export * from './tables/retrieval.js';

export const schema = { ...foundationTables, ...identityTables, ...knowledgeTables, ...retrievalTables, ...crawlerTables, ...agentsTables };
