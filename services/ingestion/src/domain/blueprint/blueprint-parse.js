"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseBlueprint = parseBlueprint;
const blueprint_rejected_error_1 = require("./blueprint-rejected-error");
const blueprint_source_1 = require("./blueprint-source");
const section_tree_1 = require("../sections/section-tree");
const text_position_1 = require("./text-position");
/**
 * Everything ingestion checks and derives from a submitted text, in memory and before any write:
 * normalize, refuse bad input (EMPTY, TOO_LARGE, BINARY, TOO_DEEP, then HEADINGS_ONLY once parsed),
 * and build the section tree. Throws BlueprintRejectedError.
 */
function parseBlueprint(submitted, opts) {
    const text = (0, blueprint_source_1.normalizeBlueprintText)(submitted);
    // Normalizing removes characters; file offsets were taken on normalized file texts (the file adapter
    // normalizes each file before joining), so a submitted `files` list stays valid.
    const where = {
        ...(opts.files ? { files: opts.files } : {}),
        ...(opts.label ? { label: opts.label } : {}),
    };
    if (opts.files)
        checkFiles(opts.files, text.length);
    (0, blueprint_source_1.checkBlueprintText)(text, where, opts);
    const tree = (0, section_tree_1.sectionsFromMarkdown)(text, {
        hash: opts.hash,
        ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
        ...(opts.files ? { files: opts.files } : {}),
    });
    if (tree.contentBlocks === 0) {
        const first = tree.sections[0];
        const site = first ? (0, text_position_1.siteOfOffset)(text, first.start, opts.files, opts.label) : {};
        throw new blueprint_rejected_error_1.BlueprintRejectedError(blueprint_rejected_error_1.RejectionReason.HEADINGS_ONLY, `${tree.headingCount} heading${tree.headingCount === 1 ? '' : 's'} and no text under any of them`, site);
    }
    return { text, ...tree };
}
/** A file list must start at 0 and increase strictly inside the text, or offsets would point nowhere. */
function checkFiles(files, length) {
    files.forEach((file, i) => {
        const previous = files[i - 1];
        const ok = i === 0
            ? file.start === 0
            : previous !== undefined && file.start > previous.start && file.start < length;
        if (!ok) {
            throw new blueprint_rejected_error_1.BlueprintRejectedError(blueprint_rejected_error_1.RejectionReason.INVALID_FILES, `file ${i + 1} of ${files.length} starts at ${file.start}: files must start at 0 and increase inside the ${length}-character text`, { file: file.path });
        }
    });
}
//# sourceMappingURL=blueprint-parse.js.map