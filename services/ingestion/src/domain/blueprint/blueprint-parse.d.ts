import { type BlueprintLimits } from './blueprint-source';
import { type SectionTree } from '../sections/section-tree';
import { type SourceFile } from './text-position';
export interface ParsedBlueprint extends SectionTree {
    /** The normalized text the offsets point into (BOM dropped, `\n` line endings). */
    text: string;
}
export interface ParseBlueprintOptions extends BlueprintLimits {
    hash: (text: string) => string;
    /** Seed prefix of section ids (the blueprint id). */
    scope?: string;
    files?: readonly SourceFile[];
    /** Names a single-file blueprint in error messages. */
    label?: string;
}
/**
 * Everything ingestion checks and derives from a submitted text, in memory and before any write:
 * normalize, refuse bad input (EMPTY, TOO_LARGE, BINARY, TOO_DEEP, then HEADINGS_ONLY once parsed),
 * and build the section tree. Throws BlueprintRejectedError.
 */
export declare function parseBlueprint(submitted: string, opts: ParseBlueprintOptions): ParsedBlueprint;
//# sourceMappingURL=blueprint-parse.d.ts.map