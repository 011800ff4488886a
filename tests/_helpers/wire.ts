/**
 * Parse what a raw client received (a binary string) into MSG/HMSG records, for assertions
 * that must not depend on the order a server fans one message out to several sids.
 */

export interface WireMsg {
  op: "MSG" | "HMSG";
  subject: string;
  sid: string;
  reply?: string;
  /** Header block (HMSG only), including the blank line. */
  headers?: string;
  payload: string;
}

/**
 * Parse a concatenation of MSG/HMSG frames. Throws if anything else (or a truncated frame)
 * is found, so stray -ERR or PING lines fail the test.
 */
export function parseMsgs(text: string): WireMsg[] {
  const out: WireMsg[] = [];
  let pos = 0;
  while (pos < text.length) {
    const eol = text.indexOf("\r\n", pos);
    if (eol < 0) {
      throw new Error(`truncated control line at ${pos}: ${JSON.stringify(text.slice(pos))}`);
    }
    const line = text.slice(pos, eol);
    const f = line.split(" ");
    pos = eol + 2;
    if (f[0] === "MSG" && (f.length === 4 || f.length === 5)) {
      const size = Number(f[f.length - 1]);
      const payload = text.slice(pos, pos + size);
      expectCrlf(text, pos + size, line);
      pos += size + 2;
      out.push({
        op: "MSG",
        subject: f[1],
        sid: f[2],
        reply: f.length === 5 ? f[3] : undefined,
        payload,
      });
    } else if (f[0] === "HMSG" && (f.length === 5 || f.length === 6)) {
      const hdr = Number(f[f.length - 2]);
      const total = Number(f[f.length - 1]);
      const headers = text.slice(pos, pos + hdr);
      const payload = text.slice(pos + hdr, pos + total);
      expectCrlf(text, pos + total, line);
      pos += total + 2;
      out.push({
        op: "HMSG",
        subject: f[1],
        sid: f[2],
        reply: f.length === 6 ? f[3] : undefined,
        headers,
        payload,
      });
    } else {
      throw new Error(
        `unexpected line ${JSON.stringify(line)} in ${JSON.stringify(text.slice(0, 500))}`,
      );
    }
  }
  return out;
}

function expectCrlf(text: string, at: number, line: string): void {
  if (text.slice(at, at + 2) !== "\r\n") {
    throw new Error(`payload of ${JSON.stringify(line)} not followed by CRLF`);
  }
}

/** One-line summaries `subject sid [reply] payload`, sorted: compare fan-out as a multiset. */
export function msgSet(text: string): string[] {
  return parseMsgs(text).map((m) =>
    [m.op === "HMSG" ? `H[${m.headers}]` : "", m.subject, m.sid, m.reply ?? "-", m.payload]
      .filter((x) => x !== "").join(" ")
  ).sort();
}
