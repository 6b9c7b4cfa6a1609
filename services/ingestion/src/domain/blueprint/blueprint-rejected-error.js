"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BlueprintRejectedError = exports.RejectionReason = void 0;
const kernel_1 = require("@autopilot/kernel");
/** Why a submitted blueprint was refused before anything was stored. */
exports.RejectionReason = {
    /** No text, or only whitespace. */
    EMPTY: 'EMPTY',
    /** NUL bytes or mostly control characters: not a text file. */
    BINARY: 'BINARY',
    /** Bytes that do not decode as UTF-8. */
    INVALID_UTF8: 'INVALID_UTF8',
    /** Larger than the configured limit or than a blueprint message can carry. */
    TOO_LARGE: 'TOO_LARGE',
    /** Headings and nothing under any of them. */
    HEADINGS_ONLY: 'HEADINGS_ONLY',
    /** Block quotes or lists nested deeper than the parser can take in bounded time and stack. */
    TOO_DEEP: 'TOO_DEEP',
    /** A directory holding no `.md`, `.markdown` or `.txt` file. */
    NO_TEXT_FILES: 'NO_TEXT_FILES',
    /** A multi-file blueprint whose file list does not fit its text (unsorted, past the end, not from 0). */
    INVALID_FILES: 'INVALID_FILES',
};
/**
 * A blueprint refused on its content: retrying the same input cannot help, so the CLI exits 2 and the
 * service records the job as failed. `reason` says what, `site` says where; the message says both.
 */
class BlueprintRejectedError extends kernel_1.AutopilotError {
    reason;
    problem;
    site;
    code = 'INGESTION_BLUEPRINT_REJECTED';
    constructor(reason, problem, site = {}, options) {
        super(`${describeSite(site)}${problem}`, options);
        this.reason = reason;
        this.problem = problem;
        this.site = site;
    }
}
exports.BlueprintRejectedError = BlueprintRejectedError;
function describeSite(site) {
    const parts = [];
    if (site.file !== undefined)
        parts.push(site.file);
    if (site.line !== undefined)
        parts.push(`line ${site.line}`);
    if (site.byteOffset !== undefined)
        parts.push(`byte ${site.byteOffset}`);
    else if (site.offset !== undefined && site.line === undefined)
        parts.push(`offset ${site.offset}`);
    return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}
//# sourceMappingURL=blueprint-rejected-error.js.map