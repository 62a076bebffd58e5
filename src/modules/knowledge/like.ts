/** ILIKE patterns treat the user's `%`, `_` and `\` literally. */
export const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (char) => `\\${char}`);
