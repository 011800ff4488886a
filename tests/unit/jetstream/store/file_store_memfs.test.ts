/** The shared store suite against FileStore on the in-memory FileSystem. */

import { memFsHarness } from "./_harness.ts";
import { consumerSuite } from "./_suite_consumers.ts";
import { limitsSuite } from "./_suite_limits.ts";
import { messageSuite } from "./_suite_messages.ts";
import { modelSuite } from "./_suite_model.ts";

const KIND = "FileStore(memory fs)";
messageSuite(KIND, memFsHarness, true);
limitsSuite(KIND, memFsHarness, true);
consumerSuite(KIND, memFsHarness, true);
modelSuite(KIND, memFsHarness, true);
