"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_TITLE_LENGTH = void 0;
exports.plainHeadingTitle = plainHeadingTitle;
/** Longest title kept (the contract's limit); longer headings are cut, their text stays in the body. */
exports.MAX_TITLE_LENGTH = 1000;
/**
 * A heading's text as a person reads it: inline Markdown (emphasis, code spans, links, images, HTML
 * tags, escapes) stripped, whitespace collapsed. Uses the lexer that read the document, so reference
 * links resolve; only headings are inline-lexed, never the whole text.
 */
function plainHeadingTitle(lexer, headingText) {
    // Most headings are plain words; inline-lexing them all cost ~100 ms of a cold 3 MB parse.
    if (!INLINE_SYNTAX.test(headingText))
        return clip(headingText.replace(/\s+/g, ' ').trim());
    const parts = [];
    collect(lexer.inlineTokens(headingText), parts);
    return clip(parts.join('').replace(/\s+/g, ' ').trim());
}
/** Characters that may start inline Markdown (emphasis, code, links, HTML, escapes, entities, autolinks). */
const INLINE_SYNTAX = /[*_`[\]<>\\&~!]|https?:|www\./;
const clip = (title) => title.length > exports.MAX_TITLE_LENGTH ? title.slice(0, exports.MAX_TITLE_LENGTH) : title;
function collect(tokens, into) {
    for (const token of tokens) {
        switch (token.type) {
            case 'html':
                break;
            case 'br':
                into.push(' ');
                break;
            case 'image':
                into.push(token.text);
                break;
            default:
                if ('tokens' in token && token.tokens && token.tokens.length > 0)
                    collect(token.tokens, into);
                else if ('text' in token && typeof token.text === 'string')
                    into.push(decodeEntities(token.text));
        }
    }
}
const ENTITIES = {
    amp: '&',
    lt: '<',
    gt: '>',
    quot: '"',
    '#39': "'",
    apos: "'",
    nbsp: ' ',
};
/** marked escapes `&`, `<`, `>`, quotes in text tokens for HTML; a title is plain text. */
function decodeEntities(text) {
    return text.indexOf('&') === -1
        ? text
        : text.replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_m, name) => ENTITIES[name] ?? '');
}
//# sourceMappingURL=heading-title.js.map