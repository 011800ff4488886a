/**
 * Subject routing: subject syntax rules (subject.ts) and the subscription index (sublist.ts).
 * Other folders import from here, not from the files behind it.
 */

export {
  FULL_WILDCARD,
  isValidLiteralSubject,
  isValidSubject,
  matchSubject,
  matchSubjectTokens,
  PARTIAL_WILDCARD,
  subjectHasWildcard,
  subjectIsSubsetOf,
  subjectsCollide,
  TOKEN_SEPARATOR,
  tokenizeSubject,
} from "./subject.ts";
export { DEFAULT_CACHE_SIZE, EMPTY_RESULT, Sublist } from "./sublist.ts";
export type { MatchResult, SublistEntry, SublistOptions, SublistStats } from "./sublist.ts";
