/**
 * One line for a problem the operator can fix, or undefined for a bug (which gets its stack).
 * Recognised by name, so errors from another copy of the package read the same.
 */
export function describeCliError(error: unknown): string | undefined {
  const e = error as { name?: string; message?: string } | undefined;
  switch (e?.name) {
    case 'ConfigError':
      return `config error: ${e.message}`;
    case 'DatabaseError':
      return `database error: ${e.message}`;
    case 'HostContextError':
    case 'MigrationsPendingError':
      return e.message;
    default:
      return undefined;
  }
}
