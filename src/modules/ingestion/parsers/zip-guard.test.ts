import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { ParseError, parseDocument } from './index.js';
import { assertZipWithinLimits, MAX_ZIP_ENTRIES } from './zip-guard.js';

const MB = 1024 * 1024;

/** A DOCX-shaped zip whose document part is `size` bytes of zeros: ~8 KB on disk per 8 MB inflated. */
const bomb = (size: number): Uint8Array =>
  zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'word/document.xml': new Uint8Array(size) }, { level: 9 });

/** Rewrites every declared uncompressed size (local headers and central directory) to `declared`, as a crafted bomb would. */
const lieAboutSizes = (zip: Uint8Array, declared: number): Uint8Array => {
  const bytes = zip.slice();
  const view = new DataView(bytes.buffer);
  for (let offset = 0; offset + 4 <= bytes.length; offset++) {
    const signature = view.getUint32(offset, true);
    if (signature === 0x04034b50) view.setUint32(offset + 22, declared, true);
    if (signature === 0x02014b50) view.setUint32(offset + 24, declared, true);
  }
  return bytes;
};

const failure = (run: () => unknown): ParseError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return error as ParseError;
  }
  throw new Error('expected a ParseError');
};

describe('zip bomb guard', () => {
  it('rejects an archive whose declared size exceeds the limit, before inflating anything', async () => {
    const bytes = bomb(8 * MB);
    expect(bytes.length).toBeLessThan(100_000);
    const error = await parseDocument({ bytes, filename: 'bomb.docx' }, { maxUncompressedBytes: 2 * MB }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).reason).toBe('too_large');
    expect((error as ParseError).message).toMatch(/expands to 83886\d\d bytes \(limit 2097152\)/);
  });

  it('catches an archive that lies about its sizes by counting while inflating', () => {
    const bytes = lieAboutSizes(bomb(8 * MB), 100);
    const error = failure(() => assertZipWithinLimits(bytes, 2 * MB));
    expect(error.reason).toBe('too_large');
    expect(error.message).toMatch(/although it declares less/);
  });

  it('rejects an archive with too many entries', () => {
    const files: Record<string, Uint8Array> = {};
    for (let index = 0; index <= MAX_ZIP_ENTRIES; index++) files[`xl/e${index}.xml`] = new Uint8Array(0);
    const error = failure(() => assertZipWithinLimits(zipSync(files), 100 * MB));
    expect(error.reason).toBe('too_large');
  });

  it('accepts a normal archive and rejects a damaged one', () => {
    const ok = zipSync({ 'word/document.xml': strToU8('<w:document/>') });
    expect(assertZipWithinLimits(ok, MB).map((entry) => entry.name)).toEqual(['word/document.xml']);
    expect(failure(() => assertZipWithinLimits(ok.slice(0, ok.length - 30), MB)).reason).toBe('corrupt');
  });
});
