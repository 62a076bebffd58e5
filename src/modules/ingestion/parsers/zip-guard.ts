import { Unzip, UnzipInflate, unzipSync } from 'fflate';

import { ParseError } from './parse-error.js';

export type ZipEntryInfo = { name: string; compressedSize: number; declaredSize: number };

export const MAX_ZIP_ENTRIES = 10_000;
const PUSH_CHUNK_BYTES = 16 * 1024;

/**
 * Reads the central directory only (fflate calls the filter per entry and inflates nothing when it returns false).
 * Returns undefined when the bytes are not a readable zip.
 */
export const listZipEntries = (bytes: Uint8Array): ZipEntryInfo[] | undefined => {
  const entries: ZipEntryInfo[] = [];
  try {
    unzipSync(bytes, {
      filter: (file) => {
        entries.push({ name: file.name, compressedSize: file.size, declaredSize: file.originalSize });
        return false;
      },
    });
  } catch {
    return undefined;
  }
  return entries;
};

/**
 * Zip-bomb guard for DOCX/XLSX, run before the real extractor (mammoth / exceljs inflate everything in memory).
 * First the declared sizes and entry count from the central directory, then the real inflated size, counted while
 * streaming and stopped at the limit, because declared sizes can lie.
 */
export const assertZipWithinLimits = (bytes: Uint8Array, maxUncompressedBytes: number): ZipEntryInfo[] => {
  const entries = listZipEntries(bytes);
  if (!entries) throw new ParseError('corrupt', 'The file is not a readable zip archive (DOCX and XLSX are zip files).');
  if (entries.length > MAX_ZIP_ENTRIES) {
    throw new ParseError('too_large', `The archive has ${entries.length} entries (limit ${MAX_ZIP_ENTRIES}).`);
  }
  const declared = entries.reduce((sum, entry) => sum + entry.declaredSize, 0);
  if (declared > maxUncompressedBytes) {
    throw new ParseError('too_large', `The archive expands to ${declared} bytes (limit ${maxUncompressedBytes}).`);
  }
  assertInflatedSizeWithin(bytes, maxUncompressedBytes);
  return entries;
};

const assertInflatedSizeWithin = (bytes: Uint8Array, maxBytes: number): void => {
  let inflated = 0;
  let failure: ParseError | undefined;
  const unzip = new Unzip((file) => {
    file.ondata = (error, chunk) => {
      if (error) {
        failure ??= new ParseError('corrupt', `Zip entry ${file.name} cannot be inflated: ${error.message}`);
        return;
      }
      inflated += chunk.length;
      if (inflated > maxBytes && !failure) {
        failure = new ParseError('too_large', `The archive inflates to more than ${maxBytes} bytes although it declares less.`);
        file.terminate();
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let offset = 0; offset < bytes.length && !failure; offset += PUSH_CHUNK_BYTES) {
      const end = Math.min(offset + PUSH_CHUNK_BYTES, bytes.length);
      unzip.push(bytes.subarray(offset, end), end === bytes.length);
    }
  } catch (error) {
    failure ??= new ParseError('corrupt', `The zip archive is damaged: ${(error as Error).message}`);
  }
  if (failure) throw failure;
};
