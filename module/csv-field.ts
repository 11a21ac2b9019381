/**
 * One CSV field: quoted when it holds a separator, a quote or a line break, and a leading
 * = + - @ (or tab, CR) defused with an apostrophe so a spreadsheet does not run it as a formula.
 */
export function csvField(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
