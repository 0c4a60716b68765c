#!/usr/bin/env node
// The `disco` command. disco ships TypeScript sources: tsx's loader is registered in this
// process (no child process, so signals reach the CLI directly, and it works from any cwd).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
