export type ParseFailureReason = 'unsupported_type' | 'type_mismatch' | 'encrypted' | 'no_text' | 'corrupt' | 'too_large';

/** The one error a parser throws: the document is rejected with a reason a person can act on. */
export class ParseError extends Error {
  constructor(
    readonly reason: ParseFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'ParseError';
  }
}
