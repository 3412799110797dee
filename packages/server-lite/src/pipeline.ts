/**
 * Pipeline hooks (nano's `WithPipeline`), run the same way on both sides: in order, each may rewrite or drop.
 * @packageDocumentation
 */
import type { Logger, PipelineHook, PipelineMessage } from './options.js';
import type { Session } from './session.js';

/** Runs hooks in order; null when one threw (logged), false when one dropped the message. */
export function runPipeline(
  hooks: readonly PipelineHook[],
  session: Session,
  msg: PipelineMessage,
  logger: Logger,
): PipelineMessage | false | null {
  let current = msg;
  for (let i = 0; i < hooks.length; i++) {
    let result: ReturnType<PipelineHook>;
    try {
      result = (hooks[i] as PipelineHook)(session, current);
    } catch (error) {
      logger.error('pipeline hook threw', { session: session.id, route: current.route, error });
      return null;
    }
    if (result === false) return false;
    if (result !== undefined && result !== null) current = result;
  }
  return current;
}
