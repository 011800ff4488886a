/**
 * Query-parameter decoding with nats-server's rules and error texts (its `decodeBool`,
 * `decodeInt`, `decodeUint64`, `decodeState`, `decodeSubs`), so a bad argument is rejected
 * the same way: HTTP 400 with the same message.
 */

/** A request the monitor refuses: HTTP 400 with nats-server's message. */
export class MonitorRequestError extends Error {
  override name = "MonitorRequestError";
}

/** Read access to query parameters, as `URLSearchParams` and hono's `c.req.query` offer. */
export interface QueryParams {
  get(name: string): string | null;
}

const TRUE_WORDS = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE_WORDS = new Set(["0", "f", "F", "FALSE", "false", "False"]);
/** Go's `int` on 64-bit platforms, as far as a double can hold it exactly. */
const INT_MAX = Number.MAX_SAFE_INTEGER;

/** Go's `strconv.ParseBool`; an absent or empty parameter is false. */
export function queryBool(q: QueryParams, name: string): boolean {
  const s = q.get(name) ?? "";
  if (s === "") return false;
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  throw new MonitorRequestError(
    `Error decoding boolean for '${name}': strconv.ParseBool: parsing ${quote(s)}: invalid syntax`,
  );
}

/** Go's `strconv.Atoi`; an absent or empty parameter is 0. */
export function queryInt(q: QueryParams, name: string): number {
  const s = q.get(name) ?? "";
  if (s === "") return 0;
  const fail = (why: string) =>
    new MonitorRequestError(
      `Error decoding int for '${name}': strconv.Atoi: parsing ${quote(s)}: ${why}`,
    );
  if (!/^[+-]?[0-9]+$/.test(s)) throw fail("invalid syntax");
  const n = Number(s);
  if (Math.abs(n) > INT_MAX) throw fail("value out of range");
  return n;
}

/** Go's `strconv.ParseUint(s, 10, 64)`; an absent or empty parameter is 0. */
export function queryUint(q: QueryParams, name: string): number {
  const s = q.get(name) ?? "";
  if (s === "") return 0;
  const fail = (why: string) =>
    new MonitorRequestError(
      `Error decoding uint64 for '${name}': strconv.ParseUint: parsing ${quote(s)}: ${why}`,
    );
  if (!/^[0-9]+$/.test(s)) throw fail("invalid syntax");
  const n = Number(s);
  if (n > INT_MAX) throw fail("value out of range");
  return n;
}

/** `subs=detail` asks for per-subscription details; any other value must be a boolean. */
export function querySubs(q: QueryParams): { subs: boolean; detail: boolean } {
  if ((q.get("subs") ?? "").toLowerCase() === "detail") return { subs: false, detail: true };
  return { subs: queryBool(q, "subs"), detail: false };
}

export type ConnState = "open" | "closed" | "any";

/** `state=open|closed|any` (`all` is an alias of `any`), case-insensitive; default open. */
export function queryState(q: QueryParams): ConnState {
  const s = q.get("state") ?? "";
  switch (s.toLowerCase()) {
    case "":
    case "open":
      return "open";
    case "closed":
      return "closed";
    case "any":
    case "all":
      return "any";
  }
  throw new MonitorRequestError(`Error decoding state for ${s}`);
}

/** Go's `strconv.Quote` for the texts a query string can carry. */
function quote(s: string): string {
  return JSON.stringify(s);
}
