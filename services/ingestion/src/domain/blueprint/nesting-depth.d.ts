/**
 * How deeply block quotes and lists nest, estimated line by line in one linear pass, so that the
 * parser is never handed input it cannot take: marked recurses once per level (5,000 nested quotes
 * overflow the stack) and re-reads a nested block once per level (1,000 nested list levels took 25 s
 * here). The estimate for a line is the quote and list markers that open it plus half the indentation
 * before a list marker (a nested item is indented at least two columns past its parent). It errs
 * high, never low, so a line that passes cannot nest deeper in the parser.
 */
/** The deepest line: its 1-based number, its start offset and the estimated depth. */
export interface DeepestLine {
    depth: number;
    line: number;
    offset: number;
}
/** Returns the first line whose depth exceeds `limit`, or undefined when every line is within it. */
export declare function firstLineDeeperThan(text: string, limit: number): DeepestLine | undefined;
//# sourceMappingURL=nesting-depth.d.ts.map