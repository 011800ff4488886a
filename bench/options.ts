/**
 * Command-line options of the side-by-side benchmark (`deno task bench`): parsing, defaults and
 * the `--quick` profile. Every per-scenario count and limit lives here so a reader can see the
 * whole shape of a run in one place.
 */

export type ServerId = "skiff" | "nats";

export interface BenchOptions {
  /** Scenario ids to run, in registry order; empty means all. */
  scenarios: string[];
  /** Overrides the message count of every message-rate scenario. */
  count: number | null;
  /** Overrides the payload size of every message-rate scenario. */
  size: number | null;
  runs: number;
  only: ServerId | null;
  /** Wall-time cap of one scenario run, in seconds. */
  seconds: number;
  quick: boolean;
  skiffBin: string | null;
  /** Request rate of the paced request/reply scenario, requests per second. */
  rate: number;
  /** Skip measuring the client's own ceiling. */
  noCeiling: boolean;
  /** JSON output path; null means bench/results/<date>-<commit>.json. */
  out: string | null;
  list: boolean;
  help: boolean;
}

/** Per-scenario sizes of a run; `--quick` swaps in the small profile. */
export interface Workload {
  pubCount: number;
  pubSubCount: number;
  fanOutCount: number;
  queueCount: number;
  requestCount: number;
  pacedCount: number;
  manySubsCount: number;
  manySubsPublishCount: number;
  connectionCounts: [number, number];
  startupTries: number;
  /** JetStream publishes acked one at a time, per payload size. */
  jsPubCount: number;
  /** JetStream publishes with JS_WINDOW acks outstanding. */
  jsAsyncCount: number;
  /** Messages pre-filled into the stream and then pulled and acked. */
  jsPullCount: number;
  /** Sequential KV puts. */
  kvPutCount: number;
  /** Sequential KV gets (over kvKeys keys written beforehand). */
  kvGetCount: number;
  kvKeys: number;
  /** Time the idle server is left alone before its RSS is read, ms. */
  settleMs: number;
}

const FULL_WORKLOAD: Workload = {
  pubCount: 5_000_000,
  pubSubCount: 2_000_000,
  fanOutCount: 1_000_000,
  queueCount: 2_000_000,
  requestCount: 20_000,
  pacedCount: 10_000,
  manySubsCount: 100_000,
  manySubsPublishCount: 500_000,
  connectionCounts: [1_000, 5_000],
  startupTries: 5,
  jsPubCount: 10_000,
  jsAsyncCount: 200_000,
  jsPullCount: 100_000,
  kvPutCount: 10_000,
  kvGetCount: 20_000,
  kvKeys: 1_000,
  settleMs: 500,
};

const QUICK_WORKLOAD: Workload = {
  pubCount: 500_000,
  pubSubCount: 200_000,
  fanOutCount: 100_000,
  queueCount: 200_000,
  requestCount: 2_000,
  pacedCount: 1_000,
  manySubsCount: 100_000,
  manySubsPublishCount: 50_000,
  connectionCounts: [1_000, 5_000],
  startupTries: 3,
  jsPubCount: 1_000,
  jsAsyncCount: 20_000,
  jsPullCount: 20_000,
  kvPutCount: 1_000,
  kvGetCount: 2_000,
  kvKeys: 200,
  settleMs: 200,
};

export const USAGE = `Usage: deno task bench [options]

Runs the same scenarios against Skiff and nats-server on loopback and prints a Markdown table.

  --scenarios a,b,c   run only these scenario ids (see --list)
  --count N           message count of every message-rate scenario
  --size N            payload bytes of every message-rate scenario
  --runs N            runs per scenario and server, median reported (default 3; --quick: 1)
  --only skiff|nats   run one server only
  --seconds N         wall-time cap of one scenario run (default 30; --quick: 10)
  --rate N            requests/s of the paced request/reply scenario (default 5000)
  --skiff-bin PATH    run a compiled Skiff binary instead of 'deno run -A main.ts'
  --quick             small counts and one run: a smoke test under a minute
  --no-ceiling        do not measure the bench client's own ceiling
  --out PATH          JSON output path (default bench/results/<date>-<commit>.json)
  --list              list scenario ids and exit
  --help              this text
`;

function positiveInt(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n <= 0) {
    throw new RangeError(`Option ${flag} needs a positive integer, got '${text ?? ""}'`);
  }
  return n;
}

/** Parses argv; throws RangeError with a sentence-case message on bad input. */
export function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    scenarios: [],
    count: null,
    size: null,
    runs: 3,
    only: null,
    seconds: 30,
    quick: false,
    skiffBin: null,
    rate: 5_000,
    noCeiling: false,
    out: null,
    list: false,
    help: false,
  };
  let runsGiven = false;
  let secondsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split("=", 2) : [argv[i], undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--scenarios":
        o.scenarios = (value() ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
        break;
      case "--count":
        o.count = positiveInt(flag, value());
        break;
      case "--size":
        o.size = positiveInt(flag, value());
        break;
      case "--runs":
        o.runs = positiveInt(flag, value());
        runsGiven = true;
        break;
      case "--seconds":
        o.seconds = positiveInt(flag, value());
        secondsGiven = true;
        break;
      case "--rate":
        o.rate = positiveInt(flag, value());
        break;
      case "--only": {
        const v = value();
        if (v !== "skiff" && v !== "nats") {
          throw new RangeError(`Option --only takes 'skiff' or 'nats', got '${v ?? ""}'`);
        }
        o.only = v;
        break;
      }
      case "--skiff-bin":
        o.skiffBin = value() ?? null;
        break;
      case "--out":
        o.out = value() ?? null;
        break;
      case "--quick":
        o.quick = true;
        break;
      case "--no-ceiling":
        o.noCeiling = true;
        break;
      case "--list":
        o.list = true;
        break;
      case "--help":
      case "-h":
        o.help = true;
        break;
      default:
        throw new RangeError(`Unknown option '${argv[i]}'`);
    }
  }
  if (o.quick) {
    if (!runsGiven) o.runs = 1;
    if (!secondsGiven) o.seconds = 10;
  }
  return o;
}

export function workloadFor(options: BenchOptions): Workload {
  return options.quick ? QUICK_WORKLOAD : FULL_WORKLOAD;
}
