/**
 * The wire types, generated from protos/ by protos/generate.sh and re-exported here so other
 * projects import them from `@disco/dataplane`. protos/ is not an Nx project (it has no code of
 * its own), hence the one relative import below.
 */
// eslint-disable-next-line @nx/enforce-module-boundaries -- generated types of protos/, not a project
export type * from '../../../../protos/generated/index.ts';
