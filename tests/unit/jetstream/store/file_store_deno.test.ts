/** The shared store suite against FileStore on the real Deno file system (temp dirs). */

import { denoFsHarness } from "./_harness.ts";
import { consumerSuite } from "./_suite_consumers.ts";
import { limitsSuite } from "./_suite_limits.ts";
import { messageSuite } from "./_suite_messages.ts";
import { modelSuite } from "./_suite_model.ts";

const KIND = "FileStore(deno fs)";
messageSuite(KIND, denoFsHarness, true);
limitsSuite(KIND, denoFsHarness, true);
consumerSuite(KIND, denoFsHarness, true);
modelSuite(KIND, denoFsHarness, true);
