/** The shared store suite against MemStore. */

import { memHarness } from "./_harness.ts";
import { consumerSuite } from "./_suite_consumers.ts";
import { limitsSuite } from "./_suite_limits.ts";
import { messageSuite } from "./_suite_messages.ts";
import { modelSuite } from "./_suite_model.ts";

messageSuite("MemStore", memHarness, false);
limitsSuite("MemStore", memHarness, false);
consumerSuite("MemStore", memHarness, false);
modelSuite("MemStore", memHarness, false);
