/**
 * Words in `text[from, to)`: runs of letters and digits (ASCII letters and digits, and any character
 * from U+00C0 up that is not a space or punctuation block), so Markdown syntax (`#`, `|`, `---`, `*`)
 * counts for nothing. An approximation that is linear and allocation-free, which a 3 MB text needs.
 */
export function countWords(text: string, from = 0, to = text.length): number {
  let words = 0;
  let inWord = false;
  for (let i = from; i < to; i++) {
    const wordChar = isWordChar(text.charCodeAt(i));
    if (wordChar && !inWord) words += 1;
    inWord = wordChar;
  }
  return words;
}

function isWordChar(c: number): boolean {
  if (c < 0x80)
    return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
  if (c < 0xc0) return false;
  // General punctuation and spaces (U+2000–U+206F), ideographic space and CJK punctuation (U+3000–U+303F).
  if (c >= 0x2000 && c <= 0x206f) return false;
  if (c >= 0x3000 && c <= 0x303f) return false;
  return c !== 0xfeff;
}
