import { DEMO_REPOSITORY_FILES } from './demo-repository-files';

/**
 * What the demo's scripted model does for each task of the sample blueprint: the tool calls (the
 * worker's tool contract, v1) a capable model would make, ending in the tests and `finish`. The
 * scripted model finds the task it is asked about by `taskTitle` in its prompt. No LLM is called.
 */
export interface DemoToolCall {
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface DemoSolution {
  /** A phrase of the task's title that identifies it in the prompt. */
  readonly taskTitle: string;
  readonly calls: readonly DemoToolCall[];
}

/** Lines of a file of the sample repository: \`insert\` after the last one appends. */
const lineCount = (path: string): number => DEMO_REPOSITORY_FILES[path]!.trimEnd().split('\n').length;

const RUN_TESTS: DemoToolCall = { tool: 'run_command', args: { argv: ['npm', 'test'] } };
const finish = (summary: string): DemoToolCall => ({ tool: 'finish', args: { summary, confidence: 0.9 } });

const VALIDATED_ADD = `  /** Adds \`quantity\` of \`sku\` at \`priceCents\` each; adding a SKU again adds to its quantity. */
  add(sku, priceCents, quantity = 1) {
    if (!Number.isInteger(quantity) || quantity <= 0) {
      throw new RangeError(\`\${sku}: the quantity must be a whole number above zero, got \${quantity}\`);
    }
    if (!Number.isInteger(priceCents) || priceCents < 0) {
      throw new RangeError(\`\${sku}: the price must be whole cents, zero or more, got \${priceCents}\`);
    }
    const line = this.lines.get(sku);`;

const ORIGINAL_ADD = `  /** Adds \`quantity\` of \`sku\` at \`priceCents\` each; adding a SKU again adds to its quantity. */
  add(sku, priceCents, quantity = 1) {
    const line = this.lines.get(sku);`;

const CART_VALIDATION_TESTS = `
test('refuses a quantity that is not a whole number above zero, naming the SKU', () => {
  for (const quantity of [0, -1, 1.5]) {
    assert.throws(() => new Cart().add('apple', 120, quantity), { name: 'RangeError', message: /apple/ });
  }
});

test('refuses a negative price', () => {
  assert.throws(() => new Cart().add('pear', -5), { name: 'RangeError', message: /pear/ });
});
`;

const DISCOUNTS = `'use strict';

/** Discount codes and what they take off a total in cents. */
const CODES = {
  SAVE10: (totalCents) => Math.floor(totalCents * 0.1),
  FLAT500: (totalCents) => Math.min(500, totalCents),
};

/** The total after \`code\`; an unknown code throws. */
function applyDiscount(totalCents, code) {
  const discount = CODES[code];
  if (!discount) throw new Error(\`unknown discount code: \${code}\`);
  return totalCents - discount(totalCents);
}

module.exports = { applyDiscount };
`;

const DISCOUNT_TESTS = `'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { applyDiscount } = require('../src/discounts');

test('SAVE10 takes 10 % off, rounded down to whole cents', () => {
  assert.equal(applyDiscount(1005, 'SAVE10'), 905);
});

test('FLAT500 takes 500 cents off, never below zero', () => {
  assert.equal(applyDiscount(1200, 'FLAT500'), 700);
  assert.equal(applyDiscount(300, 'FLAT500'), 0);
});

test('an unknown code is refused by name', () => {
  assert.throws(() => applyDiscount(1000, 'FREE'), /unknown discount code: FREE/);
});
`;

const RECEIPT = `'use strict';
const { applyDiscount } = require('./discounts');

const dollars = (cents) => (cents / 100).toFixed(2);

/** The receipt of \`cart\` as text, with \`code\` applied when given. */
function formatReceipt(cart, code) {
  const lines = cart
    .items()
    .map((i) => \`\${i.quantity} x \${i.sku} @ \${dollars(i.priceCents)} = \${dollars(i.priceCents * i.quantity)}\`);
  const subtotal = cart.totalCents();
  lines.push(\`subtotal \${dollars(subtotal)}\`);
  const total = code ? applyDiscount(subtotal, code) : subtotal;
  if (code) lines.push(\`discount \${code} -\${dollars(subtotal - total)}\`);
  lines.push(\`total \${dollars(total)}\`);
  return lines.join('\\n');
}

module.exports = { formatReceipt };
`;

const RECEIPT_TESTS = `'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Cart } = require('../src/cart');
const { formatReceipt } = require('../src/receipt');

const cart = () => new Cart().add('apple', 120, 3).add('pear', 90);

test('prints one line per item, the subtotal and the total', () => {
  assert.equal(
    formatReceipt(cart()),
    ['3 x apple @ 1.20 = 3.60', '1 x pear @ 0.90 = 0.90', 'subtotal 4.50', 'total 4.50'].join('\\n'),
  );
});

test('prints the discount of a code', () => {
  assert.equal(
    formatReceipt(cart(), 'SAVE10'),
    ['3 x apple @ 1.20 = 3.60', '1 x pear @ 0.90 = 0.90', 'subtotal 4.50', 'discount SAVE10 -0.45', 'total 4.05'].join(
      '\\n',
    ),
  );
});
`;

const CI_WORKFLOW = `name: ci
on:
  push:
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm test
`;

const README_TAIL = 'Run the tests with `npm test` (Node 20 or later, nothing to install).\n';
const README_CHECKOUT = `${README_TAIL}
## Checkout

\`\`\`js
const { Cart } = require('./src/cart');
const { formatReceipt } = require('./src/receipt');
console.log(formatReceipt(new Cart().add('apple', 120, 3).add('pear', 90), 'SAVE10'));
// 3 x apple @ 1.20 = 3.60
// 1 x pear @ 0.90 = 0.90
// subtotal 4.50
// discount SAVE10 -0.45
// total 4.05
\`\`\`

Codes: \`SAVE10\` takes 10 % off (rounded down to whole cents); \`FLAT500\` takes $5.00 off, never below zero.
`;

export const DEMO_SOLUTIONS: readonly DemoSolution[] = [
  {
    taskTitle: 'Validate what goes into the cart',
    calls: [
      { tool: 'view_file', args: { path: 'src/cart.js' } },
      { tool: 'str_replace', args: { path: 'src/cart.js', old_str: ORIGINAL_ADD, new_str: VALIDATED_ADD } },
      { tool: 'view_file', args: { path: 'test/cart.test.js' } },
      {
        tool: 'insert',
        args: {
          path: 'test/cart.test.js',
          line: lineCount('test/cart.test.js'),
          text: CART_VALIDATION_TESTS,
        },
      },
      RUN_TESTS,
      finish('Cart.add refuses bad quantities and prices with a RangeError naming the SKU; tests added.'),
    ],
  },
  {
    taskTitle: 'Discount codes',
    calls: [
      { tool: 'create_file', args: { path: 'src/discounts.js', content: DISCOUNTS } },
      { tool: 'create_file', args: { path: 'test/discounts.test.js', content: DISCOUNT_TESTS } },
      RUN_TESTS,
      finish('applyDiscount supports SAVE10 and FLAT500 and refuses unknown codes; tests added.'),
    ],
  },
  {
    taskTitle: 'Receipts',
    calls: [
      { tool: 'create_file', args: { path: 'src/receipt.js', content: RECEIPT } },
      { tool: 'create_file', args: { path: 'test/receipt.test.js', content: RECEIPT_TESTS } },
      RUN_TESTS,
      finish('formatReceipt prints items, subtotal, discount and total; tests added.'),
    ],
  },
  {
    taskTitle: 'Continuous integration',
    calls: [
      { tool: 'create_file', args: { path: '.github/workflows/ci.yml', content: CI_WORKFLOW } },
      RUN_TESTS,
      finish('A GitHub Actions workflow runs npm test on Node 20 for pushes and pull requests.'),
    ],
  },
  {
    taskTitle: 'Usage documentation',
    calls: [
      { tool: 'view_file', args: { path: 'README.md' } },
      { tool: 'str_replace', args: { path: 'README.md', old_str: README_TAIL, new_str: README_CHECKOUT } },
      RUN_TESTS,
      finish('The README shows discount codes and a receipt in a Checkout section.'),
    ],
  },
];
