import { FaultSpecError, type SandboxControls, type SandboxFaultSpec } from '../../registrar-adapters/sandbox/index.ts';

export const SANDBOX_COMMAND_USAGE =
  'sandbox fault add [--registrar ID] [--operation OP|*] [--kind error|delay|hang|drop] [--code CODE] [--delay-ms N] [--domains PATTERN] [--times N] [--rate 0..1] | sandbox fault list | sandbox fault clear';

const FLAGS: Record<string, keyof SandboxFaultSpec | 'registrar'> = {
  '--registrar': 'registrar',
  '--operation': 'operation',
  '--kind': 'kind',
  '--code': 'errorCode',
  '--delay-ms': 'delayMs',
  '--domains': 'domainPattern',
  '--times': 'times',
  '--rate': 'rate',
};
const NUMERIC = new Set(['delayMs', 'times', 'rate']);

interface FaultArgs {
  action: 'add' | 'list' | 'clear';
  registrar?: string;
  spec: SandboxFaultSpec;
}

/** The command's words and options, or a line saying what is wrong with them. */
export function parseSandboxArgs(argv: string[]): FaultArgs | string {
  const [noun, action, ...rest] = argv;
  if (noun !== 'fault') return noun ? `unknown sandbox subject "${noun}" (known: fault)` : 'say what to do: sandbox fault add|list|clear';
  if (action !== 'add' && action !== 'list' && action !== 'clear') return `unknown fault action "${action ?? ''}" (known: add, list, clear)`;
  const spec: Record<string, unknown> = {};
  let registrar: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const field = FLAGS[flag];
    if (!field) return `unknown option ${flag}`;
    const value = inline ?? rest[++i];
    if (value === undefined || value.startsWith('--')) return `${flag} needs a value`;
    if (field === 'registrar') registrar = value;
    else if (NUMERIC.has(field)) {
      if (!/^\d+(\.\d+)?$/.test(value)) return `${flag} must be a number, not "${value}"`;
      spec[field] = Number(value);
    } else spec[field] = value;
  }
  if (action !== 'add' && Object.keys(spec).length) return `fault ${action} takes no options but --registrar`;
  return { action, registrar, spec: spec as SandboxFaultSpec };
}

/** `domain-transfers sandbox fault …`: the sandbox's faults from a terminal, as on its admin page. */
export async function runSandboxCommand(
  args: FaultArgs,
  sandbox: SandboxControls | undefined,
  output: { out(line: string): void; err(line: string): void },
): Promise<number> {
  if (!sandbox) {
    output.err(args.registrar ? `sandbox: "${args.registrar}" is not a sandbox registrar in this configuration` : 'sandbox: no sandbox registrar is configured');
    return 2;
  }
  if (args.action === 'clear') {
    await sandbox.clearFaults();
    output.out('all faults cleared');
    return 0;
  }
  if (args.action === 'add') {
    try {
      await sandbox.addFault(args.spec);
    } catch (error) {
      if (!(error instanceof FaultSpecError)) throw error;
      output.err(`sandbox fault add: ${error.message}`);
      return 2;
    }
  }
  const faults = await sandbox.listFaults();
  if (!faults.length) output.out('no faults set');
  for (const f of faults) {
    const what = f.kind === 'error' ? `error ${f.errorCode}` : f.kind === 'delay' ? `delay ${f.delayMs} ms` : f.kind;
    const scope = f.rate !== null ? `${Math.round(f.rate * 1000) / 10}% of calls` : `next ${f.times} call(s)`;
    output.out(`#${f.id} ${f.operation} on ${f.domainPattern}: ${what}, ${scope}`);
  }
  return 0;
}
