/**
 * Go duration strings (`time.ParseDuration`), which nats-server config values use:
 * `"2m"`, `"1h30m"`, `"500ms"`, `"1.5s"`, `"-1s"`, `"0"`. Units: ns, us (µs, μs), ms, s, m, h.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3, // micro sign
  "\u03bcs": 1e-3, // Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's limit: an int64 count of nanoseconds, about 292 years. */
const MAX_DURATION_MS = 9_223_372_036_854.775;

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/**
 * Parses a Go duration string into milliseconds (fractional below 1ms).
 * Throws `SyntaxError` with Go's wording (`missing unit in duration "5"`).
 */
export function parseDuration(text: string): number {
  let i = 0;
  let sign = 1;
  if (text[0] === "-" || text[0] === "+") {
    if (text[0] === "-") sign = -1;
    i++;
  }
  const rest = text.slice(i);
  if (rest === "0") return 0;
  if (rest === "") throw new SyntaxError(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  while (i < text.length) {
    const numStart = i;
    while (i < text.length && isDigit(text[i])) i++;
    const intPart = text.slice(numStart, i);
    let fracPart = "";
    if (text[i] === ".") {
      i++;
      const fracStart = i;
      while (i < text.length && isDigit(text[i])) i++;
      fracPart = text.slice(fracStart, i);
    }
    if (intPart === "" && fracPart === "") {
      throw new SyntaxError(`invalid duration ${JSON.stringify(text)}`);
    }
    const unitStart = i;
    while (i < text.length && text[i] !== "." && !isDigit(text[i])) i++;
    const unit = text.slice(unitStart, i);
    if (unit === "") throw new SyntaxError(`missing unit in duration ${JSON.stringify(text)}`);
    const scale = UNIT_MS[unit];
    if (scale === undefined) {
      throw new SyntaxError(
        `unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`,
      );
    }
    total += Number(`${intPart || "0"}.${fracPart || "0"}`) * scale;
  }
  if (total > MAX_DURATION_MS) throw new SyntaxError(`invalid duration ${JSON.stringify(text)}`);
  return sign * total;
}
