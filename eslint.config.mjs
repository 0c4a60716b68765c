// Nx module boundaries, enforced (STYLE.md rule 13): libs never import services, the three
// roles never import each other, and lib floors only point down:
//   services → libs/disco, libs/eval → libs/models, libs/dataplane → libs/tensor, libs/augment,
//   libs/metrics, libs/config.
import nx from '@nx/eslint-plugin';
import tsParser from '@typescript-eslint/parser';
import tseslint from 'typescript-eslint';

const floor0 = ['scope:engine', 'scope:data', 'scope:metrics', 'scope:config'];
const floor1 = [...floor0, 'scope:models', 'scope:dataplane'];
const floor2 = [...floor1, 'scope:algorithm', 'scope:eval'];

export default [
  { ignores: ['**/node_modules/**', 'protos/generated/**', 'dist/**', 'tmp/**'] },
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parser: tsParser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:service'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:service', 'type:app'] },
            { sourceTag: 'scope:engine', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:data', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:metrics', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:config', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:models', onlyDependOnLibsWithTags: floor0 },
            { sourceTag: 'scope:dataplane', onlyDependOnLibsWithTags: floor0 },
            { sourceTag: 'scope:algorithm', onlyDependOnLibsWithTags: floor1 },
            { sourceTag: 'scope:eval', onlyDependOnLibsWithTags: floor1 },
          ],
        },
      ],
    },
  },
];
