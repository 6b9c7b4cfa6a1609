/**
 * The demo's sample blueprint: a small, realistic feature plan for the sample repository, five
 * tasks with dependencies, one of which (continuous integration) writes a protected path
 * (`.github/workflows/**`), so an approval appears.
 */
export const DEMO_BLUEPRINT_FILE = 'checkout-improvements.md';

export const DEMO_BLUEPRINT = `# tiny-shop: checkout improvements

Make the cart safe to use at checkout: it refuses bad input, takes discount codes, prints a
receipt, and every change is tested in CI.

## Phase 1: Validate what goes into the cart

\`Cart.add\` in \`src/cart.js\` refuses a quantity that is not a whole number above zero and a
price that is negative or not whole cents, with a \`RangeError\` that names the SKU.

Acceptance criteria:
- \`npm test\` passes, with tests in \`test/cart.test.js\` for a zero, a negative and a fractional
  quantity and for a negative price.

## Phase 2: Discount codes

Depends on: Phase 1

A new module \`src/discounts.js\` exports \`applyDiscount(totalCents, code)\`: \`SAVE10\` takes 10 %
off (rounded down to whole cents), \`FLAT500\` takes 500 cents off but never below zero, and an
unknown code throws an \`Error\` that names it.

Acceptance criteria:
- \`npm test\` passes, with tests in \`test/discounts.test.js\` for both codes, the floor at zero
  and an unknown code.

## Phase 3: Receipts

Depends on: Phase 2

A new module \`src/receipt.js\` exports \`formatReceipt(cart, code)\`: one line per item
(\`3 x apple @ 1.20 = 3.60\`), then the subtotal, the discount when a code is given, and the total,
amounts in dollars with two decimals.

Acceptance criteria:
- \`npm test\` passes, with tests in \`test/receipt.test.js\` for a receipt with and without a code.

## Phase 4: Continuous integration

Add \`.github/workflows/ci.yml\`: a GitHub Actions workflow that runs \`npm test\` on Node 20 for
every push and pull request.

Acceptance criteria:
- The workflow file is valid YAML with one job that runs \`npm test\`.

## Phase 5: Usage documentation

Depends on: Phase 3

Extend \`README.md\` with a "Checkout" section showing discount codes and a receipt.

Acceptance criteria:
- The README example matches what \`formatReceipt\` prints.
`;
