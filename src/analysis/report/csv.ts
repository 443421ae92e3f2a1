/**
 * CSV for the downloads: RFC 4180 quoting, and text cells that a spreadsheet would read as a
 * formula (starting with =, +, -, @, tab or carriage return) prefixed with an apostrophe, as
 * OWASP recommends against CSV injection. Numbers are written as numbers (so −0.12 stays a
 * number); a non-finite number is an empty cell.
 */

export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',');
}

/** A whole CSV file: header, rows, CRLF line ends as RFC 4180 has them. */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const lines = [csvRow(header)];
  for (const row of rows) lines.push(csvRow(row));
  return lines.join('\r\n') + '\r\n';
}
