/** drizzle wraps driver errors; PostgreSQL's SQLSTATE sits on the error or its cause. */
const sqlState = (error: unknown): string | undefined => {
  for (let current = error; current && typeof current === 'object'; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
};

export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';
