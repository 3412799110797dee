/**
 * `nanokit bots <scenario>`: N bots run a scenario's steps against a server; a live view on a TTY, a summary table
 * (or JSON) at the end, and an exit code for CI.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { formatSummary, LiveView } from '../bots/report.js';
import { runBots } from '../bots/runner.js';
import { parseDuration, parseScenario } from '../bots/scenario.js';
import type { RunStats } from '../bots/stats.js';
import { CONNECT_HELP, CONNECT_OPTIONS, checkUrl, clientOptions } from '../client-options.js';
import { type Command, num, println, str, UsageError } from '../command.js';
import type { CliError } from '../errors.js';
import { PLAIN, styleFor } from '../style.js';

export const botsCommand: Command = {
  name: 'bots',
  summary: 'run a scenario (JSON or YAML) with N bots: load and regression tests',
  usage: `Usage: nanokit bots SCENARIO [options]

Runs the steps of SCENARIO (a JSON or YAML file) with N bots in this process, then prints a summary per step:
count, errors by code, latency p50/p90/p99/max (HDR histograms). On a terminal a live view is redrawn meanwhile.
Steps: connect, request (expect, store), notify, wait (a push: match, expect, store, timeout), sleep (ms or a
[min, max] range), repeat N, loop (for a duration, or until --duration), close. Values may use {{bot}} and
variables stored by earlier steps. See docs/cli.md.

Options:
      --url URL            server (default: the scenario's "url")
  -n, --bots N             number of bots (default: the scenario's "bots", else 1)
      --ramp-up RATE       bots started per second (default: the scenario's "rampUp", else all at once)
  -d, --duration D         stop loops and bots after D (ms, or 10s, 2m)
      --seed N             seed of the random sleeps (default 1)
      --max-error-rate R   fail when errors ÷ executions of connect/request/notify/wait exceed R (default 0)
      --json               print the summary as JSON
${CONNECT_HELP}
  -h, --help               this help

Exit code 1 when an expectation failed or the error rate is over --max-error-rate.`,
  options: {
    ...CONNECT_OPTIONS,
    url: { type: 'string' },
    bots: { type: 'string', short: 'n' },
    'ramp-up': { type: 'string' },
    duration: { type: 'string', short: 'd' },
    seed: { type: 'string' },
    'max-error-rate': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (file === undefined || args.positionals.length > 1) throw new UsageError('give one scenario file');
    const scenario = parseScenario(await readFile(file, 'utf8'), file);
    const url = checkUrl(str(args, 'url') ?? scenario.url, '--url (or the scenario\'s "url")');
    const duration = str(args, 'duration');
    let durationMs = scenario.durationMs;
    if (duration !== undefined) {
      try {
        durationMs = parseDuration(duration, '--duration');
      } catch (error) {
        throw new UsageError((error as CliError).message);
      }
    }
    const bots = Math.floor(num(args, 'bots', scenario.bots ?? 1, 1));
    const maxErrorRate = num(args, 'max-error-rate', 0);
    const json = args.values['json'] === true;
    const live = !json && io.stderr.isTTY === true;
    const style = json ? PLAIN : styleFor(io.stdout, io.env);
    let view: LiveView | undefined;
    const summary = await runBots(scenario, {
      url,
      bots,
      rampUp: num(args, 'ramp-up', scenario.rampUp ?? 0),
      seed: num(args, 'seed', scenario.seed ?? 1),
      ...(await clientOptions(args)),
      ...(durationMs === undefined ? {} : { durationMs }),
      onStart: (stats: RunStats) => {
        if (!live) return;
        view = new LiveView(io.stderr as NodeJS.WriteStream, styleFor(io.stderr, io.env), stats, bots);
        view.start();
      },
    }).finally(() => view?.stop());
    println(io.stdout, json ? JSON.stringify(summary, null, 2) : formatSummary(style, summary));
    const failed = summary.totals.expectationsFailed > 0 || summary.totals.errorRate > maxErrorRate;
    return failed ? 1 : 0;
  },
};
