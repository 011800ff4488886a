/** The Prometheus text writer, checked with a strict reader of the format. */
import assert from "node:assert/strict";
import { PrometheusText } from "../../../src/monitor/prometheus.ts";
import { parsePrometheusText } from "./_prometheus_parse.ts";

Deno.test("PrometheusText writes HELP, TYPE and samples per family", () => {
  const text = new PrometheusText()
    .one("a_total", "counter", "A count", { server_id: "S" }, 3)
    .family("b", "gauge", "B", [{ labels: {}, value: 1.5 }, { labels: { x: "y" }, value: -2 }])
    .toString();
  assert.equal(
    text,
    [
      "# HELP a_total A count",
      "# TYPE a_total counter",
      'a_total{server_id="S"} 3',
      "# HELP b B",
      "# TYPE b gauge",
      "b 1.5",
      'b{x="y"} -2',
      "",
    ].join("\n"),
  );
  const parsed = parsePrometheusText(text);
  assert.equal(parsed.get("b")!.samples.length, 2);
});

Deno.test("PrometheusText escapes label values and help text", () => {
  const text = new PrometheusText()
    .one("m", "gauge", "line\\one\ntwo", { v: 'a"b\\c\nd' }, 1)
    .toString();
  assert.match(text, /^# HELP m line\\\\one\\ntwo$/m);
  const parsed = parsePrometheusText(text).get("m")!;
  assert.equal(parsed.samples[0].labels.v, 'a"b\\c\nd');
  assert.equal(parsed.help, "line\\one\ntwo");
});

Deno.test("PrometheusText writes special values as Prometheus spells them", () => {
  const text = new PrometheusText()
    .family("m", "gauge", "h", [
      { labels: { k: "nan" }, value: NaN },
      { labels: { k: "inf" }, value: Infinity },
      { labels: { k: "-inf" }, value: -Infinity },
    ])
    .toString();
  assert.match(text, /\} NaN\n.*\} \+Inf\n.*\} -Inf\n$/s);
  parsePrometheusText(text);
});

Deno.test("PrometheusText refuses bad names and repeated families", () => {
  assert.throws(() => new PrometheusText().one("1bad", "gauge", "h", {}, 1), TypeError);
  assert.throws(() => new PrometheusText().one("ok", "gauge", "h", { "bad-label": "x" }, 1));
  const p = new PrometheusText().one("m", "gauge", "h", {}, 1);
  assert.throws(() => p.one("m", "gauge", "h", {}, 2), TypeError);
  assert.equal(new PrometheusText().toString(), "");
});
