// Types of pond.js (the page's state module), for the TypeScript tests.
export declare const INTERPOLATION_DELAY: number;
export declare const STALE_AFTER: number;
export declare const FADE_DURATION: number;
export declare const BUBBLE_DURATION: number;
export declare const MAX_SNAPSHOTS: number;
export declare const SWIM_SPEED: number;
export declare const TURN_SPEED: number;

export type Id = bigint | number | string;
export interface Snapshot {
  t: number;
  x: number;
  y: number;
  angle: number;
  momentum: number;
}
export interface Bubble {
  text: string;
  until: number;
}
export interface Me {
  id: Id | undefined;
  key: string | undefined;
  name: string;
  x: number;
  y: number;
  angle: number;
  momentum: number;
  bubble: Bubble | undefined;
}
export interface Other {
  id: Id;
  key: string;
  name: string;
  snapshots: Snapshot[];
  heard: number;
  x: number;
  y: number;
  angle: number;
  momentum: number;
  alpha: number;
  bubble: Bubble | undefined;
}
export interface PondSnapshot {
  me: {
    key: string | undefined;
    name: string;
    x: number;
    y: number;
    angle: number;
    momentum: number;
    bubble: string | undefined;
  };
  others: {
    key: string;
    name: string;
    x: number;
    y: number;
    angle: number;
    alpha: number;
    bubble: string | undefined;
  }[];
  players: number;
  updatesPerSecond: number;
}
export interface UpdateBody {
  id: Id;
  x: number;
  y: number;
  name: string;
  momentum: number;
  angle: number;
}

export declare function idKey(id: Id): string;
export declare function sampleAt(snapshots: Snapshot[], t: number): Snapshot | undefined;
export declare function swim(me: Me, target: { x: number; y: number } | undefined, dt: number): void;

export declare class Pond {
  constructor(options?: { delay?: number; staleAfter?: number; fadeDuration?: number; bubbleDuration?: number });
  delay: number;
  staleAfter: number;
  fadeDuration: number;
  bubbleDuration: number;
  me: Me;
  others: Map<string, Other>;
  /** Arrival times of the update pushes of the last second. */
  recentUpdates: number[];
  enter(id: Id): void;
  leaveWorld(): void;
  update(body: unknown, now: number): void;
  message(body: unknown, now: number): void;
  leave(body: unknown): void;
  step(now: number): void;
  forgetUpdatesBefore(since: number): void;
  updatesPerSecond(): number;
  players(): number;
  snapshot(): PondSnapshot;
}

export declare class UpdateGate {
  constructor(interval?: number, keepAlive?: number);
  interval: number;
  keepAlive: number;
  next(me: Me, now: number): UpdateBody | undefined;
  reset(): void;
}
