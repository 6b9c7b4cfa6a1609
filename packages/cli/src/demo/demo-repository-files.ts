/**
 * The demo's sample repository, as files: a small CommonJS shopping-cart library whose tests run
 * with Node alone (`node --test`, no install). `autopilot demo` commits these to a fresh
 * `<dir>/demo-repo` and points the sample blueprint at it.
 */
export const DEMO_REPOSITORY_FILES: Readonly<Record<string, string>> = {
  'package.json': `${JSON.stringify(
    {
      name: 'tiny-shop',
      version: '1.0.0',
      private: true,
      description: 'A tiny shopping-cart library: the Autopilot demo repository.',
      license: 'MIT',
      main: 'src/cart.js',
      scripts: { test: 'node --test' },
    },
    null,
    2,
  )}\n`,
  'README.md': `# tiny-shop

A tiny shopping-cart library. Prices are whole cents.

\`\`\`js
const { Cart } = require('./src/cart');
const cart = new Cart().add('apple', 120, 3).add('pear', 90);
cart.totalCents(); // 450
\`\`\`

Run the tests with \`npm test\` (Node 20 or later, nothing to install).
`,
  '.gitignore': 'node_modules/\n',
  'src/cart.js': `'use strict';

/** A shopping cart: lines of a SKU, a unit price in cents and a quantity. */
class Cart {
  constructor() {
    this.lines = new Map();
  }

  /** Adds \`quantity\` of \`sku\` at \`priceCents\` each; adding a SKU again adds to its quantity. */
  add(sku, priceCents, quantity = 1) {
    const line = this.lines.get(sku);
    if (line) line.quantity += quantity;
    else this.lines.set(sku, { sku, priceCents, quantity });
    return this;
  }

  remove(sku) {
    this.lines.delete(sku);
    return this;
  }

  /** Every line, copied, in the order they were added. */
  items() {
    return [...this.lines.values()].map((line) => ({ ...line }));
  }

  totalCents() {
    let total = 0;
    for (const line of this.lines.values()) total += line.priceCents * line.quantity;
    return total;
  }
}

module.exports = { Cart };
`,
  'test/cart.test.js': `'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Cart } = require('../src/cart');

test('totals the lines of the cart', () => {
  const cart = new Cart().add('apple', 120, 3).add('pear', 90);
  assert.equal(cart.totalCents(), 450);
});

test('adding a SKU again adds to its quantity', () => {
  const cart = new Cart().add('apple', 120).add('apple', 120, 2);
  assert.deepEqual(cart.items(), [{ sku: 'apple', priceCents: 120, quantity: 3 }]);
});

test('removes a line', () => {
  const cart = new Cart().add('apple', 120).remove('apple');
  assert.equal(cart.totalCents(), 0);
});
`,
};
