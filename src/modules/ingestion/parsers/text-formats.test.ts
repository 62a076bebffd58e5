import { describe, expect, it } from 'vitest';

import { ParseError, parseDocument } from './index.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

const reasonOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'parsed',
    (error: unknown) => (error instanceof ParseError ? error.reason : `not a ParseError: ${String(error)}`),
  );

describe('TXT parsing', () => {
  it('drops a UTF-8 BOM and normalises line endings', async () => {
    const document = await parseDocument({ bytes: encode('\uFEFFOpening hours\r\nMon-Fri 9-17\r\n'), filename: 'hours.txt' });
    expect(document).toEqual({ type: 'txt', text: 'Opening hours\nMon-Fri 9-17', sections: [{ headings: [], text: 'Opening hours\nMon-Fri 9-17' }], metadata: {} });
  });

  it('decodes UTF-16 text recognised by its BOM', async () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('Grüße aus Köln', 'utf16le')]);
    expect((await parseDocument({ bytes: utf16, filename: 'greeting.txt' })).text).toBe('Grüße aus Köln');
  });

  it('rejects invalid UTF-8, empty text and text over the limit with clear reasons', async () => {
    expect(await reasonOf(parseDocument({ bytes: new Uint8Array([0x48, 0x69, 0xc3, 0x28]), filename: 'latin1.txt' }))).toBe('corrupt');
    expect(await reasonOf(parseDocument({ bytes: encode(' \n\t '), filename: 'blank.txt' }))).toBe('no_text');
    expect(await reasonOf(parseDocument({ bytes: encode('word '.repeat(300)), filename: 'long.txt' }, { maxChars: 1000 }))).toBe('too_large');
    const html = `<html><body><p>${'word '.repeat(3000)}</p></body></html>`;
    expect(await reasonOf(parseDocument({ bytes: encode(html), filename: 'long.html' }, { maxChars: 1000 }))).toBe('too_large');
  });

  it('rejects binary content in a text file and unknown types', async () => {
    expect(await reasonOf(parseDocument({ bytes: new Uint8Array([1, 0, 2, 0, 3]), filename: 'data.txt' }))).toBe('type_mismatch');
    expect(await reasonOf(parseDocument({ bytes: encode('%PDF-1.7 ...'), filename: 'notes.md' }))).toBe('type_mismatch');
    expect(await reasonOf(parseDocument({ bytes: encode('hello'), filename: 'archive.rar' }))).toBe('unsupported_type');
  });

  it('uses the declared MIME type when the name has no known extension', async () => {
    const document = await parseDocument({ bytes: encode('# Title\n\nBody'), filename: 'README', mimeType: 'text/markdown; charset=utf-8' });
    expect(document.type).toBe('markdown');
    expect(document.metadata.title).toBe('Title');
  });
});

describe('JSON parsing', () => {
  it('renders leaves as readable key paths, one block per top-level key', async () => {
    const faq = {
      shop: { name: 'Corner Bakery', 'opening hours': { weekdays: '7-18', sunday: null } },
      faq: [
        { q: 'Do you deliver?', a: 'Yes, within 5 km.' },
        { q: 'Gluten free?', a: 'Some breads.', tags: [] },
      ],
    };
    const document = await parseDocument({ bytes: encode(JSON.stringify(faq)), filename: 'faq.json' });
    expect(document.text).toBe(
      [
        'shop.name: Corner Bakery',
        'shop["opening hours"].weekdays: 7-18',
        'shop["opening hours"].sunday: null',
        '',
        'faq[0].q: Do you deliver?',
        'faq[0].a: Yes, within 5 km.',
        'faq[1].q: Gluten free?',
        'faq[1].a: Some breads.',
        'faq[1].tags: []',
      ].join('\n'),
    );
    expect(document.sections.map((section) => section.headings)).toEqual([['shop'], ['faq']]);
  });

  it('keeps top-level array items apart and rejects invalid JSON', async () => {
    const document = await parseDocument({ bytes: encode('[{"a":1},{"a":2}]'), filename: 'list.json' });
    expect(document.text).toBe('[0].a: 1\n\n[1].a: 2');
    expect(await reasonOf(parseDocument({ bytes: encode('{"a": '), filename: 'broken.json' }))).toBe('corrupt');
  });

  it('survives pathological nesting', async () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const result = await reasonOf(parseDocument({ bytes: encode(deep), filename: 'deep.json' }));
    expect(['parsed', 'corrupt']).toContain(result);
  });
});
