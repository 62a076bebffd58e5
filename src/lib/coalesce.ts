/**
 * Shares one in-flight read among the callers that ask for the same key while it runs ("singleflight"). Nothing is
 * kept: a caller arriving after the read settled starts a new one, so no answer is older than a read that was already
 * under way when its caller arrived — as if that caller had arrived a moment earlier. Under load, the turns of a busy
 * agent then share their API-key and agent reads instead of queueing one statement each on PGlite's single thread.
 * Callers must treat the shared result as read-only.
 */
export const createCoalescer = <T>() => {
  const inflight = new Map<string, Promise<T>>();
  return (key: string, read: () => Promise<T>): Promise<T> => {
    const running = inflight.get(key);
    if (running) return running;
    const started = read().finally(() => inflight.delete(key));
    inflight.set(key, started);
    return started;
  };
};
