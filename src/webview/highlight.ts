/**
 * Splits a text around the case-insensitive matches of the search text, so a view can wrap the
 * matches in `<mark>`. Pure: the views build the nodes (text stays text, never HTML).
 */
export interface TextPart {
  text: string;
  match: boolean;
}

export function highlightParts(text: string, query: string | undefined): TextPart[] {
  const needle = query?.trim().toLowerCase();
  if (!needle) return [{ text, match: false }];
  const haystack = text.toLowerCase();
  const parts: TextPart[] = [];
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) break;
    if (at > from) parts.push({ text: text.slice(from, at), match: false });
    parts.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), match: false });
  return parts.length ? parts : [{ text, match: false }];
}
