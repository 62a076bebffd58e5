import { strFromU8, unzipSync } from 'fflate';
import mammoth from 'mammoth';

import { htmlToMarkdown } from './html-to-markdown.js';
import { sectionsFromMarkdown } from './markdown-sections.js';
import { ParseError } from './parse-error.js';
import type { ParsedDocument } from './types.js';

const CORE_PROPERTIES = 'docProps/core.xml';

/** mammoth inlines images as base64 data URIs by default; only their alt text is knowledge. */
const SKIP_IMAGE_DATA = mammoth.images.imgElement(async () => ({ src: '' }));

const xmlText = (xml: string, tag: string): string | undefined => {
  const match = new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`).exec(xml);
  const value = match?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
  return value || undefined;
};

/** Title and author live in docProps/core.xml, which mammoth does not read. */
const coreProperties = (bytes: Uint8Array): { title?: string; author?: string } => {
  try {
    const files = unzipSync(bytes, { filter: (file) => file.name === CORE_PROPERTIES });
    const core = files[CORE_PROPERTIES];
    if (!core) return {};
    const xml = strFromU8(core);
    return { title: xmlText(xml, 'dc:title'), author: xmlText(xml, 'dc:creator') };
  } catch {
    return {};
  }
};

/** mammoth maps Word styles to HTML (headings, lists, tables); turndown then makes it markdown. */
export const parseDocx = async (bytes: Uint8Array): Promise<ParsedDocument> => {
  let html: string;
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    html = (await mammoth.convertToHtml({ buffer }, { convertImage: SKIP_IMAGE_DATA })).value;
  } catch (error) {
    throw new ParseError('corrupt', `The Word document cannot be read: ${(error as Error).message}`);
  }
  const text = htmlToMarkdown(html);
  const properties = coreProperties(bytes);
  return {
    type: 'docx',
    text,
    sections: sectionsFromMarkdown(text),
    metadata: { title: properties.title ?? /^#\s+(.+)$/m.exec(text)?.[1]?.trim(), author: properties.author },
  };
};
