/**
 * Test helpers: polling for a condition, and a real pseudo-terminal (a tmux session on its own server socket) to run
 * `nanokit` in as a user at a terminal would.
 */
import { spawnSync } from 'node:child_process';

/** Polls `check` every 50 ms; throws with `what()` after `ms`. */
export async function until(check: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True when tmux is installed (.ci/run installs it). */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** A tmux session running `argv` in a 150×50 terminal. */
export class Terminal {
  private readonly socket: string;

  constructor(name: string, argv: string[]) {
    this.socket = `nanokit-test-${name}-${process.pid}`;
    const command = argv.map((a) => `'${a}'`).join(' ');
    // `sleep` keeps the pane (and what the command printed) after the command ends.
    this.tmux('new-session', '-d', '-s', 'main', '-x', '150', '-y', '50', `${command}; sleep 30`);
  }

  /** The visible text (trailing blanks dropped by tmux). */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** Types keys (`Tab`, `Enter` are key names). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }

  private tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }
}
