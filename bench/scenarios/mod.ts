/**
 * Every scenario of the side-by-side benchmark, in the order they run and print.
 */

import { JS_KV_SCENARIOS } from "./js_kv.ts";
import { JS_PUBLISH_SCENARIOS } from "./js_publish.ts";
import { JS_PULL_SCENARIO } from "./js_pull.ts";
import { MANY_CONNS_SCENARIOS } from "./many_conns.ts";
import { MANY_SUBS_SCENARIO } from "./many_subs.ts";
import { RSS_IDLE_SCENARIO, STARTUP_SCENARIO } from "./process_facts.ts";
import { PUB_ONLY_SCENARIOS } from "./pub_only.ts";
import { PUB_SUB_SCENARIOS } from "./pub_sub.ts";
import { REQUEST_PACED_SCENARIO } from "./request_paced.ts";
import { REQUEST_REPLY_SCENARIO } from "./request_reply.ts";
import type { Scenario } from "./types.ts";

export type { Metric, Scenario, ScenarioContext } from "./types.ts";

export const SCENARIOS: Scenario[] = [
  ...PUB_ONLY_SCENARIOS,
  ...PUB_SUB_SCENARIOS,
  REQUEST_REPLY_SCENARIO,
  REQUEST_PACED_SCENARIO,
  MANY_SUBS_SCENARIO,
  ...MANY_CONNS_SCENARIOS,
  ...JS_PUBLISH_SCENARIOS,
  JS_PULL_SCENARIO,
  ...JS_KV_SCENARIOS,
  STARTUP_SCENARIO,
  RSS_IDLE_SCENARIO,
];
