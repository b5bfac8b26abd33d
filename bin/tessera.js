#!/usr/bin/env node
// Runs the TypeScript sources directly, so a clone needs no build step before `tessera serve`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
