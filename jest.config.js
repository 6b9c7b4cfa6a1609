// One jest run for the whole tree. Sources are compiled by swc (no type check here: `tsc -b` in
// `npm test` does that), and workspace packages resolve to their TypeScript sources, not dist/.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const packages = [
  'kernel',
  'git',
  'secret-scan',
  'bus',
  'store',
  'telemetry',
  'nest-transport',
  'testing',
  'runtime',
  'cli',
  'model-client',
];
const services = ['ingestion', 'planner', 'manager', 'worker', 'governance', 'gateway'];
const moduleNameMapper = {
  '^@autopilot/contracts$': '<rootDir>/contracts/src/index.ts',
  '^@autopilot/contracts/names$': '<rootDir>/contracts/src/names.ts',
};
for (const p of packages) {
  moduleNameMapper[`^@autopilot/${p}$`] = `<rootDir>/packages/${p}/src/index.ts`;
  moduleNameMapper[`^@autopilot/${p}/testing$`] = `<rootDir>/packages/${p}/src/testing/index.ts`;
}
// Subpath entry points (package.json `exports`): adapters, which only composition roots and tests
// import, and light entries (`runtime/config`) for what must not load a whole package.
const adapterEntries = {
  'store/sqlite': 'packages/store/src/embedded/index.ts',
  'store/mongodb': 'packages/store/src/mongodb/index.ts',
  'runtime/topology': 'packages/runtime/src/topology/index.ts',
  'runtime/config': 'packages/runtime/src/config/config.ts',
  'bus/in-process': 'packages/bus/src/in-process/index.ts',
  'bus/jetstream': 'packages/bus/src/jetstream/index.ts',
  'model-client/pricing': 'packages/model-client/src/pricing/index.ts',
  'model-client/governance': 'packages/model-client/src/governance/index.ts',
};
for (const [entry, file] of Object.entries(adapterEntries)) {
  moduleNameMapper[`^@autopilot/${entry}$`] = `<rootDir>/${file}`;
}
for (const s of services) moduleNameMapper[`^@autopilot/${s}$`] = `<rootDir>/services/${s}/src/index.ts`;

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', swc], '^.+\\.m?js$': ['@swc/jest', swc] },
  // ESM-only dependencies: Node 20.19 requires them natively, jest's sandbox needs them compiled.
  transformIgnorePatterns: ['/node_modules/(?!(marked)/)'],
  moduleNameMapper,
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
  testTimeout: 30_000,
  // Every test's name in the log, so CI shows which suites ran against a real nats-server.
  verbose: true,
  // NATS suites share one nats-server per worker process; two workers suit the 2-core machines.
  maxWorkers: 2,
};
