#!/usr/bin/env node
// The `domain-transfers` command. In a checkout of the repository (TypeScript sources beside
// this file) it runs them through tsx, with the reference host as the default context and its
// `start` command; the installed package runs its compiled module CLI, which needs --context.
import fs from 'node:fs';

// A worker or a host stops on a signal, never on a stray rejection: the module catches the
// failures it expects (a database outage, a registrar that hangs); anything else is reported
// here and the process carries on, its jobs' leases still kept.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection (the process carries on): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

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
