import fs from 'node:fs';

/**
 * Owner read and write only. The database holds sessions, password hashes and sealed EPP
 * codes; with the usual umask SQLite would leave it (and its -wal and -shm files) readable by
 * every account on the machine.
 */
const OWNER_ONLY = 0o600;

const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Creates an empty SQLite file owner-only before the driver opens it, so it is never readable
 * by others, not even for a moment. SQLite gives the -wal and -shm files it makes later the
 * mode of the database file. An existing file is left to `restrictSqliteFiles`; a file that
 * cannot be created here is left to SQLite, whose refusal the first query reports in one line.
 */
export function createOwnerOnlyDatabaseFile(filename: string): void {
  try {
    fs.closeSync(fs.openSync(filename, 'wx', OWNER_ONLY));
  } catch {
    // EEXIST, or SQLite's own open will fail and say so (SQLITE_CANTOPEN).
  }
}

/**
 * Makes the database and the side files SQLite keeps beside it owner-only, including ones an
 * earlier version or another tool created with a looser mode. A file this process does not
 * own cannot be changed; `onRefused` hears about it and the database is used as it is.
 */
export function restrictSqliteFiles(filename: string, onRefused: (file: string, reason: string) => void = () => undefined): void {
  for (const file of [filename, ...SIDE_FILES.map((suffix) => `${filename}${suffix}`)]) {
    try {
      if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, OWNER_ONLY);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      onRefused(file, code ?? (error as Error).message);
    }
  }
}
