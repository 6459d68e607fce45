import picomatch from 'picomatch';

/** How the config's globs are matched: `*` also crosses `/` (nested repository names), dot-names included. */
const OPTIONS = { bash: true, dot: true } as const;

/**
 * Why `pattern` is not a glob the matcher reads as written, or undefined when it is. picomatch turns a malformed
 * glob into a literal or a never-matching expression; a protecting glob that silently matches nothing deletes
 * what the user meant to keep, so such a pattern is an error instead.
 */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'the pattern is empty';
  if (/(^|[^\\])(\\\\)*\\$/.test(pattern)) return 'it ends with a lone backslash';
  let depth = 0;
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] === '\\') i += 1;
    else if (pattern[i] === '{') depth += 1;
    else if (pattern[i] === '}' && (depth -= 1) < 0) return 'a "}" has no opening "{" (write "\\}" for a literal one)';
  }
  if (depth > 0) return 'a "{" is not closed (write "\\{" for a literal one)';
  try {
    if (picomatch.makeRe(pattern, { ...OPTIONS, strictBrackets: true }).source === '$^') return 'it cannot match any name';
  } catch (error) {
    return (error as Error).message.replace(/^Missing/, 'missing');
  }
  return undefined;
}

/** A matcher for one config glob; the config has already rejected malformed ones (see `globProblem`). */
export function compileGlob(pattern: string): (name: string) => boolean {
  return picomatch(pattern, OPTIONS);
}
