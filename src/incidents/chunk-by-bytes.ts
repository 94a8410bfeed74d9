/**
 * @module
 * Packs rows into JSON arrays that each stay within a byte budget, measured in UTF-8 as a database
 * counts a bound string. Counting rows or characters is not enough: JSON escapes a control character
 * as `\u00XX` (six bytes) and non-ASCII takes up to four bytes, so 500 URLs of 2,048 characters can
 * serialize to 6 MB or to 1 MB. Pure: no I/O.
 */

/** Any value `JSON.stringify` writes as JSON text. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Bytes of the array's brackets; each further row adds its comma. */
const BRACKET_BYTES = 2;
const COMMA_BYTES = 1;

/**
 * Bytes of `text` in UTF-8, without encoding it. A lone surrogate counts three bytes, as TextEncoder
 * writes it (U+FFFD); `JSON.stringify` never leaves one, it escapes them.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * `rows` as JSON array texts, in order, each holding as many consecutive rows as fit in `maxBytes`
 * bytes of UTF-8. Every row lands in exactly one chunk; no rows, no chunks.
 *
 * @throws RangeError when one row alone, in its brackets, is over `maxBytes`: no chunk can hold it,
 * and splitting a row is not an option. Callers bound their rows' size so this is a bug, not input.
 */
export function chunkJsonArrays(rows: readonly JsonValue[], maxBytes: number): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = BRACKET_BYTES;
  for (const row of rows) {
    const text = JSON.stringify(row);
    const rowBytes = utf8ByteLength(text);
    if (BRACKET_BYTES + rowBytes > maxBytes) {
      throw new RangeError(`a row of ${rowBytes} bytes cannot fit in a chunk of ${maxBytes} bytes`);
    }
    if (parts.length > 0 && size + COMMA_BYTES + rowBytes > maxBytes) {
      chunks.push(`[${parts.join(",")}]`);
      parts = [];
      size = BRACKET_BYTES;
    }
    size += (parts.length > 0 ? COMMA_BYTES : 0) + rowBytes;
    parts.push(text);
  }
  if (parts.length > 0) chunks.push(`[${parts.join(",")}]`);
  return chunks;
}
