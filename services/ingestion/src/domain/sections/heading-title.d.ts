import type { Lexer } from 'marked';
/** Longest title kept (the contract's limit); longer headings are cut, their text stays in the body. */
export declare const MAX_TITLE_LENGTH = 1000;
/**
 * A heading's text as a person reads it: inline Markdown (emphasis, code spans, links, images, HTML
 * tags, escapes) stripped, whitespace collapsed. Uses the lexer that read the document, so reference
 * links resolve; only headings are inline-lexed, never the whole text.
 */
export declare function plainHeadingTitle(lexer: Lexer, headingText: string): string;
//# sourceMappingURL=heading-title.d.ts.map