import { extractTextItems, getDocumentProxy, getMeta } from 'unpdf';

import { ParseError } from './parse-error.js';
import { layoutPdf } from './pdf-layout.js';
import type { ParsedDocument } from './types.js';

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

const infoString = (info: Record<string, unknown>, key: string): string | undefined => {
  const value = info[key];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
};

const openPdf = async (bytes: Uint8Array): Promise<PdfDocument> => {
  try {
    // pdf.js may detach the buffer it is given: hand it a copy so the caller's bytes stay usable.
    return await getDocumentProxy(bytes.slice(), { isEvalSupported: false, verbosity: 0 });
  } catch (error) {
    if ((error as Error).name === 'PasswordException') {
      throw new ParseError('encrypted', 'The PDF is password-protected; upload a copy without a password.');
    }
    throw new ParseError('corrupt', `The PDF cannot be opened: ${(error as Error).message}`);
  }
};

/** pdf.js (through unpdf) text layer; headings from font sizes. Scanned PDFs have no text layer and fail with no_text. */
export const parsePdf = async (bytes: Uint8Array): Promise<ParsedDocument> => {
  const pdf = await openPdf(bytes);
  try {
    const [{ info }, { totalPages, items }] = await Promise.all([getMeta(pdf), extractTextItems(pdf)]);
    const { text, sections } = layoutPdf(items);
    if (!text.trim()) {
      throw new ParseError('no_text', `The PDF has ${totalPages} page(s) but no text layer (probably scanned images; OCR is not supported).`);
    }
    const metadata = info as Record<string, unknown>;
    return {
      type: 'pdf',
      text,
      sections,
      metadata: {
        title: infoString(metadata, 'Title'),
        author: infoString(metadata, 'Author'),
        language: infoString(metadata, 'Language'),
        pageCount: totalPages,
      },
    };
  } catch (error) {
    if (error instanceof ParseError) throw error;
    throw new ParseError('corrupt', `The PDF text cannot be read: ${(error as Error).message}`);
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
};
