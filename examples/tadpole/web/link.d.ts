// Types of link.js (the page's connection module), for the TypeScript tests.
import type { NanoClient, NanoClientOptions, Serializer, TransportFactory } from '@nanokit/client';
import type { Pond } from './pond.js';

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface PondLinkOptions {
  url: string;
  /** The client class: window.NanoKit.NanoClient in the page, @nanokit/client/node's in Node. */
  NanoClient: new (
    options: NanoClientOptions,
  ) => NanoClient;
  serializer?: Serializer;
  pond?: Pond;
  name?: string;
  now?: () => number;
  onState?: (state: LinkState, detail?: string) => void;
  transport?: TransportFactory;
  interval?: number;
  onError?: (err: unknown) => void;
}

export declare class PondLink {
  constructor(options: PondLinkOptions);
  pond: Pond;
  state: LinkState;
  entered: number;
  sent: number;
  closed: boolean;
  client: NanoClient;
  onState: (state: LinkState, detail?: string) => void;
  start(): Promise<void>;
  enterWorld(): Promise<void>;
  tick(now?: number): boolean;
  say(message: string): boolean;
  close(): void;
  retry(): void;
}
