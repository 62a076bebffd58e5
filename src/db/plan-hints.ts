/**
 * A statement whose text starts with this comment runs on its generic plan on embedded PGlite
 * (pglite-statements.ts), planned once instead of per run; on a server it is only a comment. For hot statements whose
 * plan does not depend on their parameters' values, where PostgreSQL's own choice (plan_cache_mode auto) keeps
 * re-planning because the generic plan's estimate looks costlier than it runs.
 */
export const GENERIC_PLAN_HINT = '/* switchboard: generic plan */';
