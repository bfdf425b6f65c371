#!/usr/bin/env node
// Entry point of the `bridgeface` CLI. The sources are TypeScript run through tsx's loader, so a
// fresh `npm install` is enough: there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
