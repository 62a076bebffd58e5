export type DocumentType = 'pdf' | 'docx' | 'xlsx' | 'csv' | 'json' | 'html' | 'markdown' | 'txt';

/** `headings` is the path of headings above this text (outermost first); the heading lines are not repeated in `text`. */
export type ParsedSection = {
  headings: string[];
  text: string;
  /** 1-based page where the section starts (PDF only). */
  pageNumber?: number;
};

export type ParsedDocument = {
  type: DocumentType;
  /** The whole readable text, markdown-ish: headings as `#` lines, tables as pipe tables or `column: value` records. */
  text: string;
  sections: ParsedSection[];
  metadata: { title?: string; author?: string; language?: string; pageCount?: number };
};

export type ParseLimits = {
  /** Longest readable text accepted (characters); longer documents fail with `too_large`. */
  maxChars?: number;
  /** Largest total uncompressed size of a DOCX/XLSX zip, checked before extraction. */
  maxUncompressedBytes?: number;
};

export type ParseInput = { bytes: Uint8Array; filename: string; mimeType?: string };
