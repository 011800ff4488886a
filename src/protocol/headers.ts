/**
 * NATS header blocks (ADR-4): `NATS/1.0[ <status>[ <description>]]\r\n` then `Name: value\r\n`
 * lines and a blank line. Names keep their case; lookups are exact, as nats-server's are.
 */
import { decodeUtf8, encodeUtf8 } from "../util/bytes.ts";

const PREFIX = "NATS/1.0";

export interface HeaderBlock {
  /** 0 when the block has no status. */
  readonly status: number;
  readonly description: string;
  /** In order; a name may repeat. */
  readonly entries: readonly (readonly [string, string])[];
}

export function parseHeaders(block: Uint8Array | null): HeaderBlock {
  if (block === null || block.length === 0) return { status: 0, description: "", entries: [] };
  const text = decodeUtf8(block);
  const lines = text.split("\r\n");
  const first = lines[0] ?? "";
  let status = 0;
  let description = "";
  if (first.startsWith(PREFIX)) {
    const rest = first.slice(PREFIX.length).trim();
    if (rest !== "") {
      const space = rest.indexOf(" ");
      status = Number(space < 0 ? rest : rest.slice(0, space)) || 0;
      description = space < 0 ? "" : rest.slice(space + 1);
    }
  }
  const entries: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    entries.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { status, description, entries };
}

/** The first value of `name`, or null. Scans the block without building a full parse. */
export function getHeader(block: Uint8Array | null, name: string): string | null {
  if (block === null || block.length === 0) return null;
  const text = decodeUtf8(block);
  const needle = `\r\n${name}:`;
  const at = text.indexOf(needle);
  if (at < 0) return null;
  const start = at + needle.length;
  const end = text.indexOf("\r\n", start);
  return text.slice(start, end < 0 ? text.length : end).trim();
}

/** Builds a block; `status` 0 means no status line suffix. */
export function buildHeaders(
  entries: readonly (readonly [string, string])[],
  status = 0,
  description = "",
): Uint8Array {
  let text = PREFIX;
  if (status > 0) text += description ? ` ${status} ${description}` : ` ${status}`;
  text += "\r\n";
  for (const [k, v] of entries) text += `${k}: ${v}\r\n`;
  return encodeUtf8(text + "\r\n");
}

/** `block` with `name` set to `value` (replacing existing values); creates a block if null. */
export function setHeader(block: Uint8Array | null, name: string, value: string): Uint8Array {
  const h = parseHeaders(block);
  const entries = h.entries.filter(([k]) => k !== name);
  entries.push([name, value]);
  return buildHeaders(entries, h.status, h.description);
}

/** `block` with every `name` removed; null when nothing is left. */
export function removeHeaders(
  block: Uint8Array | null,
  names: readonly string[],
): Uint8Array | null {
  const h = parseHeaders(block);
  const entries = h.entries.filter(([k]) => !names.includes(k));
  return entries.length === 0 && h.status === 0
    ? null
    : buildHeaders(entries, h.status, h.description);
}
