// Reports of a conformance run: results.json (our own format), junit.xml and index.html,
// written from Jest's JSON results plus the evidence the suites leave under the artifacts
// folder (message traces, ring snapshots, per-test time windows).

export interface ReportInput {
  /** Jest's --json output of the conformance run. */
  jestResultsPath: string;
  /** Where the suites wrote their evidence and artifacts (ARTIFACTS_DIR of the run). */
  artifactsDir: string;
  /** The report folder: junit.xml, results.json and index.html are written here. */
  outDir: string;
  /** The target(s) the run used, as given on the command line. */
  targets: { name: string; path: string }[];
  driver: string;
}

export interface ReportFiles {
  results: string;
  junit: string;
  html: string;
}

export function writeReports(_input: ReportInput): ReportFiles {
  throw new Error('writeReports: not built yet');
}
