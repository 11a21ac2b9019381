#!/usr/bin/env node
// The `domain-transfers` command. In a checkout of the repository (TypeScript sources beside
// this file) it runs them through tsx, with the reference host as the default context and its
// `start` command; the installed package runs its compiled module CLI, which needs --context.
import fs from 'node:fs';

const checkout = fs.existsSync(new URL('../host/cli.ts', import.meta.url));
if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../host/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const { runModuleCli } = await import('../dist/module/index.js');
  process.exitCode = await runModuleCli(process.argv.slice(2));
}
