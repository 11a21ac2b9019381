import type { CliOutput } from '../../module/cli/module-cli.ts';

/** A command's output kept line by line, for tests of the command line. */
export function captureOutput(): CliOutput & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}
