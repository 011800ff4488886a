/**
 * Subject syntax: validation of subscription and publish subjects, wildcard detection,
 * tokenizing, and the plain matching/subset rules every other module builds on (the sublist,
 * permissions, JetStream filters). Semantics follow nats-server's `IsValidSubject`,
 * `IsValidLiteralSubject`, `subjectHasWildcard`, `matchLiteral` and `subjectIsSubsetMatch`.
 *
 * Rules: tokens are separated by '.', no token is empty, no whitespace anywhere. `*` and `>` are
 * wildcards only as a whole token (`foo*bar` is an ordinary literal token); `>` must be last.
 * `*` matches exactly one token, `>` matches one or more trailing tokens.
 */

export const TOKEN_SEPARATOR = ".";
export const PARTIAL_WILDCARD = "*";
export const FULL_WILDCARD = ">";

const DOT = 0x2e;
const STAR = 0x2a;
const GT = 0x3e;

/**
 * Whitespace nats-server rejects in subjects: space, tab, LF, CR and (as nats-server does) form
 * feed. A subject containing one could never be framed on the wire anyway.
 */
function isSubjectWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

/** A subscription subject: wildcards allowed. One pass over the chars, no allocation. */
export function isValidSubject(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let start = 0;
  let sawFullWildcard = false;
  // i === n acts as a virtual trailing separator so the last token is checked like the rest.
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : DOT;
    if (c === DOT) {
      // An empty token, or any token after '>', is invalid.
      if (i === start || sawFullWildcard) return false;
      if (i - start === 1 && s.charCodeAt(start) === GT) sawFullWildcard = true;
      start = i + 1;
    } else if (isSubjectWhitespace(c)) {
      return false;
    }
  }
  return true;
}

/** True when some whole token is `*` or `>`; `foo*bar` and `a>b` do not count. */
export function subjectHasWildcard(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c !== STAR && c !== GT) continue;
    const startsToken = i === 0 || s.charCodeAt(i - 1) === DOT;
    const endsToken = i + 1 === n || s.charCodeAt(i + 1) === DOT;
    if (startsToken && endsToken) return true;
  }
  return false;
}

/** A publish subject: valid and free of wildcard tokens. */
export function isValidLiteralSubject(s: string): boolean {
  return isValidSubject(s) && !subjectHasWildcard(s);
}

/**
 * Splits a subject into its tokens with an indexOf loop (no regex). Does not validate: the
 * caller has already checked the subject.
 */
export function tokenizeSubject(s: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  for (;;) {
    const dot = s.indexOf(TOKEN_SEPARATOR, start);
    if (dot < 0) {
      tokens.push(s.slice(start));
      return tokens;
    }
    tokens.push(s.slice(start, dot));
    start = dot + 1;
  }
}

/**
 * Does the literal subject match the pattern? Deliberately the simplest form (split both, compare
 * token by token): it is the reference the sublist is tested against and is used where clarity
 * beats speed (permissions).
 */
export function matchSubject(literal: string, pattern: string): boolean {
  const lt = literal.split(TOKEN_SEPARATOR);
  const pt = pattern.split(TOKEN_SEPARATOR);
  for (let i = 0; i < pt.length; i++) {
    const p = pt[i];
    // '>' needs at least one literal token left to swallow.
    if (p === FULL_WILDCARD) return i < lt.length;
    if (i >= lt.length) return false;
    if (p !== PARTIAL_WILDCARD && p !== lt[i]) return false;
  }
  return lt.length === pt.length;
}

/**
 * `matchSubject` for a pattern that is already tokenized, walking the literal in place without
 * allocating. Used when one pattern is tested against many literals (sublist cache invalidation).
 */
export function matchSubjectTokens(literal: string, patternTokens: readonly string[]): boolean {
  const n = literal.length;
  let pos = 0;
  for (let i = 0; i < patternTokens.length; i++) {
    // pos > n means the literal ran out of tokens before the pattern did.
    if (pos > n) return false;
    const p = patternTokens[i];
    if (p === FULL_WILDCARD) return true;
    let end = literal.indexOf(TOKEN_SEPARATOR, pos);
    if (end < 0) end = n;
    if (p !== PARTIAL_WILDCARD && (end - pos !== p.length || !literal.startsWith(p, pos))) {
      return false;
    }
    pos = end + 1;
  }
  // Every literal token consumed exactly: pos sits one past the (virtual) trailing separator.
  return pos === n + 1;
}

/**
 * Is every subject matched by `sub` also matched by `superPattern`? Both may hold wildcards.
 * A `*` in `sub` is only covered by `*` or `>` in the super pattern; a `>` in `sub` only by `>`.
 */
export function subjectIsSubsetOf(sub: string, superPattern: string): boolean {
  const st = sub.split(TOKEN_SEPARATOR);
  const pt = superPattern.split(TOKEN_SEPARATOR);
  for (let i = 0; i < pt.length; i++) {
    const p = pt[i];
    // '>' covers whatever `sub` has from here on, as long as `sub` has at least one more token
    // (each of `sub`'s own tokens, wildcards included, stands for at least one token).
    if (p === FULL_WILDCARD) return i < st.length;
    if (i >= st.length) return false;
    const s = st[i];
    if (s === FULL_WILDCARD) return false;
    if (p === PARTIAL_WILDCARD) continue;
    if (s === PARTIAL_WILDCARD || s !== p) return false;
  }
  return st.length === pt.length;
}

/**
 * Could one literal subject match both patterns? (Two streams may not capture the same
 * subject; nats-server calls this SubjectsCollide.)
 */
export function subjectsCollide(a: string, b: string): boolean {
  const x = a.split(TOKEN_SEPARATOR);
  const y = b.split(TOKEN_SEPARATOR);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === FULL_WILDCARD || y[i] === FULL_WILDCARD) return i < x.length && i < y.length;
    if (i >= x.length || i >= y.length) return false;
    if (x[i] !== PARTIAL_WILDCARD && y[i] !== PARTIAL_WILDCARD && x[i] !== y[i]) return false;
  }
  return true;
}
