import { ParseError } from './parse-error.js';

/**
 * Text files are UTF-8 (a UTF-8 BOM is dropped); a UTF-16 BOM switches to UTF-16. Invalid UTF-8 fails the document
 * instead of filling the knowledge base with U+FFFD (a legacy-encoded file should be re-saved as UTF-8).
 */
export const decodeText = (bytes: Uint8Array): string => {
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  try {
    // ignoreBOM: false (the default) strips the BOM of the chosen encoding.
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new ParseError('corrupt', `The file is not valid ${encoding.toUpperCase()} text; save it as UTF-8 and upload it again.`);
  }
};
