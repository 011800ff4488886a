/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it throws on
 * anything a Prometheus server would reject or that breaks the format's rules (a family's
 * samples not together, TYPE after samples, repeated HELP/TYPE, bad names, labels or values).
 */

export interface ParsedSample {
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (text !== "" && !text.endsWith("\n")) throw new SyntaxError("Exposition must end in \\n");
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  let current = "";
  const family = (name: string): ParsedFamily => {
    if (name !== current) {
      if (closed.has(name)) throw new SyntaxError(`Family ${name} is not contiguous`);
      if (current !== "") closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (f === undefined) families.set(name, f = { name, type: "untyped", help: "", samples: [] });
    return f;
  };
  const lines = text.split("\n").slice(0, -1);
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) continue;
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new SyntaxError(`Bad metric name, ${where}`);
      const f = family(name);
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new SyntaxError(`Bad type, ${where}`);
        if (f.samples.length > 0) throw new SyntaxError(`TYPE after samples, ${where}`);
        f.type = rest;
      } else {
        f.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      }
      continue;
    }
    if (line.trim() === "") continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?[0-9]+)?$/.exec(line);
    if (m === null) throw new SyntaxError(`Bad sample, ${where}`);
    const [, name, labelText, valueText] = m;
    const value = parseValue(valueText, where);
    const f = family(name);
    if (f.type === "counter" && !(value >= 0)) throw new SyntaxError(`Negative counter, ${where}`);
    f.samples.push({ labels: labelText ? parseLabels(labelText, where) : {}, value });
  }
  return families;
}

function parseValue(s: string, where: string): number {
  if (s === "NaN") return NaN;
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new SyntaxError(`Bad value, ${where}`);
  }
  return Number(s);
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 1;
  const end = text.length - 1;
  while (i < end) {
    const eq = text.indexOf("=", i);
    const key = text.slice(i, eq);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) throw new SyntaxError(`Bad label, ${where}`);
    if (text[eq + 1] !== '"') throw new SyntaxError(`Unquoted label value, ${where}`);
    let j = eq + 2;
    let value = "";
    for (; j < end && text[j] !== '"'; j++) {
      if (text[j] === "\\") {
        const next = text[++j];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new SyntaxError(`Bad escape, ${where}`);
      } else {
        value += text[j];
      }
    }
    if (text[j] !== '"') throw new SyntaxError(`Unterminated label value, ${where}`);
    if (key in labels) throw new SyntaxError(`Repeated label ${key}, ${where}`);
    labels[key] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (i !== end) throw new SyntaxError(`Bad label separator, ${where}`);
  }
  return labels;
}
