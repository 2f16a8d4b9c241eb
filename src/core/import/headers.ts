/**
 * The headers of an imported request, a plain name -> value map in which a name stands once:
 * HTTP header names are case-insensitive, so each lookup here ignores case and setting a header
 * replaces any spelling of it (the new spelling wins).
 */

export function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const existing = headerName(headers, name);
  if (existing !== undefined) delete headers[existing];
  headers[name] = value;
}

export function hasHeader(headers: Record<string, string>, name: string): boolean {
  return headerName(headers, name) !== undefined;
}

export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = headerName(headers, name);
  return key === undefined ? undefined : headers[key];
}

/** The spelling `headers` has of `name`, if it has it. */
function headerName(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(headers).find((k) => k.toLowerCase() === lower);
}
