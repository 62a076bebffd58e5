/** Tables that announce their committed changes (migration 0013). */
export type ChangeTable = 'api_keys' | 'tenants' | 'agents' | 'ai_providers' | 'agent_knowledge_bases' | 'retrieval_kb_stats';

const CHANNEL = 'switchboard_changes';

/**
 * Committed changes to the tables above, as the database announces them. Only offered where each change is known
 * before the statement that commits it returns (one PGlite instance, whose data dir no other process can open), so
 * memory kept until the next change is never staler than the database.
 */
export type ChangeFeed = {
  /** False until the feed listens: nothing may be kept before. */
  isListening: () => boolean;
  subscribe: (tables: readonly ChangeTable[], onChange: () => void) => void;
};

export const pgliteChangeFeed = (client: { listen: (channel: string, onNotify: (payload: string) => void) => Promise<unknown> }): ChangeFeed => {
  const subscribers: { tables: readonly string[]; onChange: () => void }[] = [];
  let listening = false;
  // listen() queues LISTEN behind any statement already running; until it has run, readers simply do not keep.
  void client
    .listen(CHANNEL, (table) => {
      for (const subscriber of subscribers) if (subscriber.tables.includes(table)) subscriber.onChange();
    })
    .then(
      () => {
        listening = true;
      },
      // A client closed before LISTEN ran: nothing is ever kept, which is always safe.
      () => {},
    );
  return {
    isListening: () => listening,
    subscribe: (tables, onChange) => {
      subscribers.push({ tables, onChange });
    },
  };
};
