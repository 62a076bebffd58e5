export type BackoffPolicy = { baseMs: number; maxMs: number };

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 15 * 60_000 };

/**
 * Exponential backoff with "equal jitter": half the delay is fixed so retries never bunch at zero, half is random so
 * jobs that failed together (an outage) do not retry together.
 */
export const backoffDelayMs = (attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random = Math.random): number => {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
};
