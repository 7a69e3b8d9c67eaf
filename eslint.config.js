// Lint: recommended JS + type-aware TypeScript rules; generated and vendored folders are ignored; and the import
// arrows of ARCHITECTURE.md as `no-restricted-imports` zones (test/lint-boundaries.test.ts checks that they bite).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Rooms of src, bottom to top: a room may import its own layer and those below, never one above. */
const srcLayers = [
  ['config', 'errors', 'random', 'store'],
  ['data', 'features', 'metrics'],
  ['model'],
  ['train'],
  ['registry', 'search'],
  ['report', 'serve'],
];

/**
 * Imports that break an inner arrow today, allowed by name until the code moves (each is a file and the rooms it
 * reaches up to): the model card records training history types, and loading a model resolves a champion.
 */
const knownSrcViolations = {
  'src/model/model-card.ts': ['train'],
  'src/model/model-artifacts.ts': ['registry'],
};

/** A relative import that reaches one of these top-level folders (none of them is also a folder inside another). */
const intoFolders = (folders, message) => ({ regex: `^(\\.\\./)+(${folders.join('|')})/`, message });
/** A relative import into one of these rooms of src, from another room (no room name is reused inside a room). */
const intoRooms = (rooms, message) => ({ regex: `^(\\.\\./)+(${rooms.join('|')})/`, message });
const noCdk = {
  paths: [
    { name: 'aws-cdk-lib', message: 'only workflows/ and infra/ build CDK constructs' },
    { name: 'constructs', message: 'only workflows/ and infra/ build CDK constructs' },
  ],
  cdkPattern: { group: ['aws-cdk-lib/*'], message: 'only workflows/ and infra/ build CDK constructs' },
};
const restrict = ({ folders = [], rooms = [], cdk = false, why }) => [
  'error',
  {
    ...(cdk ? { paths: noCdk.paths } : {}),
    patterns: [
      ...(folders.length > 0 ? [intoFolders(folders, why)] : []),
      ...(rooms.length > 0 ? [intoRooms(rooms, `${why}: inside src, lower rooms never import higher ones (store, config, errors, random; data, features, metrics; model; train; search, registry; report, serve)`)] : []),
      ...(cdk ? [noCdk.cdkPattern] : []),
    ],
  },
];
const outsideSrc = ['bin', 'cli', 'functions', 'workflows', 'infra', 'containers', 'bench', 'test'];
const srcWhy = 'ARCHITECTURE.md: src imports nothing outside src';

/** One zone per room of src: everything outside src, plus every room above its layer (less its known violations). */
const srcRoomZones = srcLayers.flatMap((layer, level) => {
  const higher = srcLayers.slice(level + 1).flat();
  return layer.map((room) => ({
    files: [`src/${room}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict({ folders: outsideSrc, rooms: higher, cdk: true, why: `${srcWhy}; src/${room}` }) },
  }));
});
const knownViolationZones = Object.entries(knownSrcViolations).map(([file, allowed]) => {
  const room = file.split('/')[1];
  const level = srcLayers.findIndex((layer) => layer.includes(room));
  const higher = srcLayers.slice(level + 1).flat().filter((name) => !allowed.includes(name));
  return { files: [file], rules: { 'no-restricted-imports': restrict({ folders: outsideSrc, rooms: higher, cdk: true, why: `${srcWhy}; src/${room}` }) } };
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.tandem/**', 'cdk.out/**', 'coverage/**', 'tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // node:test's describe/it return promises that the runner itself awaits.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },

  // The arrows of ARCHITECTURE.md. A later zone replaces an earlier one's options for the files it matches, so each
  // zone lists everything its files may not import. Tests and bench/ are cross-cutting and stay free, except that a
  // unit test beside src code imports test helpers, not the outer folders directly.
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict({ folders: outsideSrc, cdk: true, why: srcWhy }) },
  },
  ...srcRoomZones,
  ...knownViolationZones,
  {
    files: ['src/**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict({ folders: ['bin', 'cli', 'functions', 'workflows', 'infra', 'containers'], why: 'ARCHITECTURE.md: src tests reach the outer folders only through test/ helpers' }) },
  },
  {
    files: ['functions/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict({ folders: ['bin', 'cli', 'workflows', 'infra', 'containers', 'bench', 'test'], cdk: true, why: 'ARCHITECTURE.md: functions import src (thin handlers)' }) },
  },
  {
    files: ['containers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict({ folders: ['bin', 'cli', 'functions', 'workflows', 'infra', 'bench', 'test'], cdk: true, why: 'ARCHITECTURE.md: containers import src' }) },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict({ folders: ['bin', 'cli', 'infra', 'containers', 'bench', 'test'], why: 'ARCHITECTURE.md: workflows import aws-cdk-lib, src and (for the local runner) functions' }) },
  },
  {
    files: ['cli/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict({ folders: ['infra', 'bench', 'test'], why: 'ARCHITECTURE.md: cli may import all but infra' }) },
  },
  {
    files: ['infra/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict({ folders: ['bin', 'cli', 'functions', 'containers', 'bench', 'test'], why: 'ARCHITECTURE.md: infra imports workflows and src, and names functions and containers only as asset paths' }) },
  },
);
