"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SectionOffsetError = void 0;
exports.sectionsFromMarkdown = sectionsFromMarkdown;
const marked_1 = require("marked");
const kernel_1 = require("@autopilot/kernel");
const blueprint_rejected_error_1 = require("../blueprint/blueprint-rejected-error");
const heading_title_1 = require("./heading-title");
const word_count_1 = require("./word-count");
/** Hex characters of the seed's hash kept in an id: 96 bits, collision-free at any realistic size. */
const ID_HEX = 24;
const NOT_CONTENT = new Set(['heading', 'space', 'hr', 'def']);
/** The lexer and the code disagreed on offsets: a bug, never the submitter's fault. */
class SectionOffsetError extends kernel_1.AutopilotError {
    offset;
    code = 'INGESTION_SECTION_OFFSETS';
    constructor(offset) {
        super(`the Markdown lexer's tokens do not add up to the text at offset ${offset}`);
        this.offset = offset;
    }
}
exports.SectionOffsetError = SectionOffsetError;
/** Sections of `text`; linear in its length. Throws BlueprintRejectedError (TOO_DEEP) if the lexer overflows. */
function sectionsFromMarkdown(text, opts) {
    const files = opts.files && opts.files.length > 0 ? opts.files : [{ path: '', start: 0 }];
    const builder = new TreeBuilder(text, opts, opts.files !== undefined && opts.files.length > 0);
    files.forEach((file, i) => {
        const end = files[i + 1]?.start ?? text.length;
        builder.readFile(file, end);
    });
    return {
        sections: builder.sections,
        wordCount: (0, word_count_1.countWords)(text),
        headingCount: builder.headingCount,
        contentBlocks: builder.contentBlocks,
    };
}
class TreeBuilder {
    text;
    opts;
    multiFile;
    sections = [];
    headingCount = 0;
    contentBlocks = 0;
    constructor(text, opts, multiFile) {
        this.text = text;
        this.opts = opts;
        this.multiFile = multiFile;
    }
    readFile(file, fileEnd) {
        const lexer = new marked_1.Lexer();
        const tokens = this.lex(lexer, file, fileEnd);
        const headings = [];
        let offset = file.start;
        let firstContent = -1;
        for (const token of tokens) {
            if (!this.text.startsWith(token.raw, offset))
                throw new SectionOffsetError(offset);
            if (token.type === 'heading')
                headings.push({ start: offset, level: token.depth, rawText: token.text });
            else if (!NOT_CONTENT.has(token.type)) {
                this.contentBlocks += 1;
                if (firstContent === -1)
                    firstContent = offset;
            }
            offset += token.raw.length;
        }
        if (offset !== fileEnd)
            throw new SectionOffsetError(offset);
        this.headingCount += headings.length;
        // Tokens are dropped here: only offsets and heading texts outlive the lexer's block pass.
        tokens.length = 0;
        const path = this.multiFile ? file.path : undefined;
        const firstOfFile = this.sections.length;
        const firstHeading = headings[0]?.start ?? fileEnd;
        if (firstContent !== -1 && firstContent < firstHeading) {
            this.pushPreamble(file.start, firstHeading, path);
        }
        const topTitles = new Map();
        const open = [];
        let previous;
        for (const heading of headings) {
            while (open.length > 0 && open.at(-1).section.level >= heading.level) {
                open.pop().section.end = heading.start;
            }
            if (previous)
                previous.bodyEnd = heading.start;
            const parent = open.at(-1);
            const title = (0, heading_title_1.plainHeadingTitle)(lexer, heading.rawText) || '(untitled)';
            const siblings = parent ? parent.childTitles : topTitles;
            const ordinal = siblings.get(title) ?? 0;
            siblings.set(title, ordinal + 1);
            const headingPath = parent ? [...parent.section.headingPath, title] : [title];
            const section = {
                id: this.sectionId(path, headingPath, ordinal),
                level: heading.level,
                title,
                headingPath,
                start: heading.start,
                end: fileEnd,
                bodyEnd: fileEnd,
                hash: '',
                wordCount: 0,
                kind: 'heading',
            };
            if (parent)
                section.parentId = parent.section.id;
            if (path !== undefined)
                section.file = path;
            this.sections.push(section);
            open.push({ section, childTitles: new Map() });
            previous = section;
        }
        for (let i = firstOfFile; i < this.sections.length; i++)
            this.seal(this.sections[i]);
    }
    lex(lexer, file, fileEnd) {
        const source = file.start === 0 && fileEnd === this.text.length ? this.text : this.text.slice(file.start, fileEnd);
        try {
            return lexer.blockTokens(source, []);
        }
        catch (cause) {
            // nesting-depth.ts keeps deep input away from the lexer; this is the backstop if it missed a shape.
            if (cause instanceof RangeError) {
                throw new blueprint_rejected_error_1.BlueprintRejectedError(blueprint_rejected_error_1.RejectionReason.TOO_DEEP, 'nested too deeply for the Markdown parser', this.multiFile ? { file: file.path } : {}, { cause });
            }
            throw cause;
        }
    }
    pushPreamble(start, end, path) {
        const title = path ?? 'Preamble';
        const section = {
            id: this.sectionId(path, ['\u0001preamble'], 0),
            level: 1,
            title,
            headingPath: [title],
            start,
            end,
            bodyEnd: end,
            hash: '',
            wordCount: 0,
            kind: 'preamble',
        };
        if (path !== undefined)
            section.file = path;
        this.sections.push(section);
    }
    seal(section) {
        section.hash = this.opts.hash(this.text.slice(section.start, section.bodyEnd));
        section.wordCount = (0, word_count_1.countWords)(this.text, section.start, section.bodyEnd);
    }
    sectionId(file, headingPath, ordinal) {
        const seed = [this.opts.scope ?? '', file ?? '', ...headingPath, String(ordinal)].join('\u0000');
        return `sec_${this.opts.hash(seed).slice(0, ID_HEX)}`;
    }
}
//# sourceMappingURL=section-tree.js.map