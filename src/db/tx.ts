import type { Db, Tx } from './client.js';

/**
 * The one way to open a transaction. On PGlite only the driver's transaction() takes its lock, and the outer handle
 * must never be used inside the callback (it deadlocks), so callbacks receive the transaction and use only that.
 */
export const withTx = <T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> => db.transaction(work);
