/**
 * Prometheus text exposition format 0.0.4: one `# HELP` and `# TYPE` line per metric family,
 * then its samples, each family's samples together.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge" | "untyped";

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class PrometheusText {
  #out: string[] = [];
  #seen = new Set<string>();

  /** Writes one family. Throws `TypeError` for an invalid or repeated name. */
  family(name: string, type: MetricType, help: string, samples: readonly Sample[]): this {
    if (!NAME.test(name)) throw new TypeError(`Invalid metric name: ${name}`);
    if (this.#seen.has(name)) throw new TypeError(`Metric family written twice: ${name}`);
    this.#seen.add(name);
    this.#out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const s of samples) this.#out.push(`${name}${labelText(s.labels)} ${valueText(s.value)}`);
    return this;
  }

  /** A family with a single sample. */
  one(name: string, type: MetricType, help: string, labels: Labels, value: number): this {
    return this.family(name, type, help, [{ labels, value }]);
  }

  toString(): string {
    return this.#out.length === 0 ? "" : this.#out.join("\n") + "\n";
  }
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  const parts = keys.map((k) => {
    if (!LABEL.test(k) || k.startsWith("__")) throw new TypeError(`Invalid label name: ${k}`);
    return `${k}="${escapeLabel(labels[k])}"`;
  });
  return `{${parts.join(",")}}`;
}

function valueText(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
