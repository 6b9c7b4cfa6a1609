/**
 * Words in `text[from, to)`: runs of letters and digits (ASCII letters and digits, and any character
 * from U+00C0 up that is not a space or punctuation block), so Markdown syntax (`#`, `|`, `---`, `*`)
 * counts for nothing. An approximation that is linear and allocation-free, which a 3 MB text needs.
 */
export declare function countWords(text: string, from?: number, to?: number): number;
//# sourceMappingURL=word-count.d.ts.map