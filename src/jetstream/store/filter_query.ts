/**
 * Subject-filtered queries over the message index: next / last match, pending counts and
 * per-subject summaries. A literal filter walks its subject's linked list (from whichever end is
 * closer) and never scans other subjects' messages; a wildcard filter first probes the sequence
 * range briefly (matches are usually dense), then falls back to the matching subjects' lists
 * when those are few, or to a scan with a per-subject-id memo.
 */

import type { MessageIndex } from "./msg_index.ts";
import { FilterMatcher, isAllFilter, type SubjectState } from "./subject_index.ts";
import { subjectHasWildcard } from "../../subject/mod.ts";

/** Live messages examined by a wildcard query before it considers the subject lists. */
const PROBE_LIMIT = 256;
/** Up to this many matching subjects, a wildcard query walks their lists instead of scanning. */
const LIST_WALK_MAX_SUBJECTS = 64;

/** First sequence >= fromSeq of subject `s`, or 0. */
function subjectNextFrom(index: MessageIndex, s: SubjectState, fromSeq: number): number {
  if (fromSeq <= s.first) return s.first;
  if (fromSeq > s.last) return 0;
  if (fromSeq - s.first <= s.last - fromSeq) {
    let seq = s.first;
    while (seq !== 0 && seq < fromSeq) seq = index.nextSameSubject(seq);
    return seq;
  }
  let seq = s.last;
  for (;;) {
    const prev = index.prevSameSubject(seq);
    if (prev === 0 || prev < fromSeq) return seq;
    seq = prev;
  }
}

/** Messages of subject `s` with seq >= fromSeq. */
function subjectCountFrom(index: MessageIndex, s: SubjectState, fromSeq: number): number {
  if (fromSeq <= s.first) return s.msgs;
  if (fromSeq > s.last) return 0;
  let n = 0;
  if (fromSeq - s.first <= s.last - fromSeq) {
    for (let seq = s.first; seq !== 0 && seq < fromSeq; seq = index.nextSameSubject(seq)) n++;
    return s.msgs - n;
  }
  for (let seq = s.last; seq !== 0 && seq >= fromSeq; seq = index.prevSameSubject(seq)) n++;
  return n;
}

/** Sequence of the first message with seq >= fromSeq matching `filter`, or 0. */
export function nextMatchingSeq(index: MessageIndex, filter: string, fromSeq: number): number {
  fromSeq = Math.max(fromSeq, index.firstSeq);
  if (isAllFilter(filter)) return index.nextLive(fromSeq);
  if (!subjectHasWildcard(filter)) {
    const s = index.subjectState(filter);
    return s === undefined ? 0 : subjectNextFrom(index, s, fromSeq);
  }
  const matcher = new FilterMatcher(filter, index.subjects);
  let found = 0;
  let probed = 0;
  let resumeAt = 0;
  index.scan(fromSeq, (seq, id) => {
    if (matcher.matchesId(id)) return (found = seq), false;
    if (++probed < PROBE_LIMIT) return true;
    resumeAt = seq + 1;
    return false;
  });
  if (found !== 0 || resumeAt === 0) return found;
  const subjects = index.subjects.matchingList(filter);
  if (subjects.length === 0) return 0;
  if (subjects.length <= LIST_WALK_MAX_SUBJECTS) {
    let best = 0;
    for (const s of subjects) {
      const seq = subjectNextFrom(index, s, resumeAt);
      if (seq !== 0 && (best === 0 || seq < best)) best = seq;
    }
    return best;
  }
  index.scan(resumeAt, (seq, id) => (matcher.matchesId(id) ? ((found = seq), false) : true));
  return found;
}

/** Sequence of the newest message matching `filter`, or 0. */
export function lastMatchingSeq(index: MessageIndex, filter: string): number {
  if (index.msgs === 0) return 0;
  if (isAllFilter(filter)) return index.prevLive(index.lastSeq);
  if (!subjectHasWildcard(filter)) return index.subjectState(filter)?.last ?? 0;
  const matcher = new FilterMatcher(filter, index.subjects);
  let found = 0;
  let probed = 0;
  index.scanBackward(index.lastSeq, (seq, id) => {
    if (matcher.matchesId(id)) return (found = seq), false;
    return ++probed < PROBE_LIMIT;
  });
  if (found !== 0) return found;
  for (const s of index.subjects.matching(filter)) if (s.last > found) found = s.last;
  return found;
}

/**
 * Messages matching `filter` with seq >= fromSeq; with `lastPerSubject`, the number of matching
 * subjects whose newest message is at or after fromSeq.
 */
export function countMatching(
  index: MessageIndex,
  filter: string,
  fromSeq: number,
  lastPerSubject = false,
): number {
  if (lastPerSubject) {
    let n = 0;
    for (const s of index.subjects.matching(filter)) if (s.last >= fromSeq) n++;
    return n;
  }
  if (isAllFilter(filter)) return index.countFrom(fromSeq);
  if (!subjectHasWildcard(filter)) {
    const s = index.subjectState(filter);
    return s === undefined ? 0 : subjectCountFrom(index, s, fromSeq);
  }
  const subjects = index.subjects.matchingList(filter);
  // A wildcard covering every subject (a KV watch on "$KV.B.>") counts like no filter.
  if (subjects.length === index.subjects.size) return index.countFrom(fromSeq);
  let total = 0;
  for (const s of subjects) total += s.msgs;
  if (fromSeq <= index.firstSeq) return total;
  // Walk the lists when they are shorter than the range a scan would cover.
  if (total <= index.lastSeq - fromSeq + 1) {
    let n = 0;
    for (const s of subjects) n += subjectCountFrom(index, s, fromSeq);
    return n;
  }
  const matcher = new FilterMatcher(filter, index.subjects);
  let n = 0;
  index.scan(fromSeq, (_seq, id) => {
    if (matcher.matchesId(id)) n++;
    return true;
  });
  return n;
}

/** Newest sequence of every subject matching `filter`, ascending. */
export function lastSeqsPerSubject(index: MessageIndex, filter: string): number[] {
  const out: number[] = [];
  for (const s of index.subjects.matching(filter)) out.push(s.last);
  return out.sort((a, b) => a - b);
}

/** Message count per subject matching `filter`. */
export function subjectCounts(index: MessageIndex, filter: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of index.subjects.matching(filter)) out.set(s.subject, s.msgs);
  return out;
}

/** Matching present sequences below `belowSeq` (0: no bound), ascending. */
export function matchingSeqs(index: MessageIndex, filter: string, belowSeq: number): number[] {
  const out: number[] = [];
  const bound = belowSeq > 0 ? belowSeq : Infinity;
  if (!isAllFilter(filter) && !subjectHasWildcard(filter)) {
    const s = index.subjectState(filter);
    for (let seq = s?.first ?? 0; seq !== 0 && seq < bound; seq = index.nextSameSubject(seq)) {
      out.push(seq);
    }
    return out;
  }
  const matcher = new FilterMatcher(filter, index.subjects);
  index.scan(index.firstSeq, (seq, id) => {
    if (seq >= bound) return false;
    if (matcher.matchesId(id)) out.push(seq);
    return true;
  });
  return out;
}
