import { ignoreWarning } from "../../cli/ignore-warning.ts";

// The synth tests load node:sqlite in the test process, as `worldfarm synth` does; the same warning is dropped here.
ignoreWarning("ExperimentalWarning", /^SQLite is an experimental feature/);
