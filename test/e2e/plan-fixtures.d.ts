/** A finished `autopilot plan` run. */
export interface PlanExit {
    code: number | null;
    out: string;
    err: string;
}
/** Runs the built bin to completion (never `npx`); `LOG_LEVEL` and friends are cleared. */
export declare function runPlan(args: string[]): PlanExit;
export declare function writeFiles(root: string, files: Record<string, string | Buffer>): void;
/** A git repository with one commit of `files`. */
export declare function gitRepo(root: string, files: Record<string, string>): void;
/**
 * This repository's own user document: a real document that every clone has. The team's design
 * documents live outside the repository; plan.e2e.test.ts plans one of their shape built in code.
 */
export declare function ownPlanningDocuments(): string[];
/** The headings a markdown text really has: ATX headings outside code fences (enough for the fixtures). */
export declare function realHeadings(text: string): string[];
/** A realistic multi-section planning document. */
export declare const SHOP_BLUEPRINT = "# Shop platform\n\nThe north star: shoppers can buy in three clicks, and nothing they pay for is ever lost.\n\n## Prerequisites\n\n| Item | Needed by |\n| --- | --- |\n| Node 20 | Phase 1 |\n| A Stripe test key | Story 2.1 |\n\n## Phase 1: Foundation\n\nSet up the repository and the catalog.\n\n### Story 1.1: Repository layout\n\nCreate `package.json` and `src/index.ts`. Run `npm test` to check.\n\nAcceptance criteria:\n- [ ] `npm run build` succeeds\n- [ ] the README explains how to start\n\n```bash\n# not a heading\nnpm install\n```\n\n### Story 1.2: Catalog\n\nDepends on Story 1.1.\n\nFiles: `src/catalog/catalog.ts`, `src/catalog/catalog.test.ts`.\n\nAcceptance criteria:\n- lists products with prices\n- `npx jest src/catalog` passes\n\n## Phase 2: Checkout\n\n### Story 2.1: Card payments\n\nDepends on Story 1.2.\n\nTake card payments through Stripe in `src/checkout/payments.ts`.\n\nAcceptance criteria:\n- a declined card shows a clear message\n- no card number is ever logged\n\n### Story 2.2: Receipts\n\nAfter Story 2.1.\n\nSend an email receipt; document it in `docs/receipts.md`.\n";
//# sourceMappingURL=plan-fixtures.d.ts.map