/**
 * Agent slugs: the human alias the OpenAI-compatible API accepts as `model` next to the agent id ("Support Bot" ->
 * "support-bot"). Migration 0011 derives the same slugs in SQL for agents that existed before it.
 */

export const SLUG_MAX_LENGTH = 64;
// Room for a "-NN" suffix when a derived slug collides.
const DERIVED_MAX_LENGTH = 60;

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A slug shaped like a UUID would be read as an agent id, so none may look like one. */
export const isUuidShaped = (value: string) => UUID_SHAPE.test(value);

/** Lower-case ASCII words of the name joined by dashes; diacritics folded, anything else dropped; "agent" if empty. */
export const slugify = (name: string): string => {
  const base =
    name
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, DERIVED_MAX_LENGTH)
      .replace(/^-+|-+$/g, '') || 'agent';
  return isUuidShaped(base) ? `agent-${base}` : base;
};

/** `base`, or the first of `base-2`, `base-3`, … that `taken` does not hold. */
export const firstFreeSlug = (base: string, taken: ReadonlySet<string>): string => {
  if (!taken.has(base)) return base;
  for (let suffix = 2; ; suffix += 1) {
    const candidate = `${base}-${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
};
