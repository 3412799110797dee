/**
 * @nanokit/cli — the `nanokit` command (REPL, bots, decode, record, replay) and the pieces it is made of. Node only.
 * @packageDocumentation
 */

export type { RunBotsOptions } from './bots/runner.js';
export { runBots, seededRandom } from './bots/runner.js';
export type { Scenario, Step, Store } from './bots/scenario.js';
export { parseScenario } from './bots/scenario.js';
export type { BotsSummary, Latency, StepSummary } from './bots/stats.js';
export type { CaptureRecord } from './capture.js';
export { parseCapture } from './capture.js';
export type { Command, CommandArgs, Io } from './command.js';
export type {
  DecodedFrame,
  DecodedMessage,
  DecodedPacket,
  Direction,
  StreamDecoderOptions,
} from './decoder.js';
export { StreamDecoder } from './decoder.js';
export { CliError, CliErrorCode } from './errors.js';
export { fromHex, toHex } from './hex.js';
export { main, processIo } from './main.js';
export type { RouteTypes, SerializerFactory, SerializerFlags } from './serializer.js';
export { loadSerializer } from './serializer.js';
