// The tadpole page's state module (examples/tadpole/web/pond.js) in Node: interpolation between updates, fading of
// silent tadpoles, bubbles, counters, ids above 2^53, our own motion and the update gate.
import { describe, expect, it } from 'vitest';
import { idKey, MAX_SNAPSHOTS, Pond, sampleAt, swim, UpdateGate } from '../../examples/tadpole/web/pond.js';

const big = (s: string) => BigInt(s);
const A = big('2100000000000000001');
const B = big('2100000000000000002'); // the same JS number as A

describe('tadpole pond state', () => {
  it('draws a remote tadpole `delay` ms in the past, interpolated between the updates around that moment', () => {
    const pond = new Pond({ delay: 100 });
    pond.enter(A);
    pond.update({ id: B, x: 0, y: 0, angle: 0, momentum: 1, name: 'bob' }, 1000);
    pond.update({ id: B, x: 100, y: 50, angle: 1, momentum: 1, name: 'bob' }, 1100);
    pond.step(1100); // render time 1000: the first update
    expect(pond.snapshot().others).toMatchObject([{ key: idKey(B), name: 'bob', x: 0, y: 0, alpha: 1 }]);
    pond.step(1150); // render time 1050: half way
    const [bob] = pond.snapshot().others;
    expect(bob!.x).toBeCloseTo(50);
    expect(bob!.y).toBeCloseTo(25);
    expect(bob!.angle).toBeCloseTo(0.5);
    pond.step(1400); // past the last update: it stays there, no guessing ahead
    expect(pond.snapshot().others[0]).toMatchObject({ x: 100, y: 50 });
    // Snapshots older than the segment being drawn are dropped.
    expect(pond.others.get(idKey(B))!.snapshots).toHaveLength(1);
  });

  it('keeps a bounded buffer when nothing draws (a hidden tab has no animation frames)', () => {
    const pond = new Pond();
    pond.enter(A);
    for (let t = 0; t < 10_000; t++) pond.update({ id: B, x: t, y: 0, angle: 0, momentum: 1, name: 'bob' }, t);
    const bob = pond.others.get(idKey(B))!;
    expect(bob.snapshots).toHaveLength(MAX_SNAPSHOTS);
    expect(bob.snapshots.at(-1)!.x).toBe(9999);
    expect(pond.recentUpdates.length).toBeLessThanOrEqual(4 * 1024);
    pond.step(10_000);
    expect(pond.updatesPerSecond()).toBe(999); // arrivals in (9000, 10000]
  });

  it('turns the short way round between angles across ±π', () => {
    const s = sampleAt(
      [
        { t: 0, x: 0, y: 0, angle: 3, momentum: 0 },
        { t: 10, x: 0, y: 0, angle: -3, momentum: 0 },
      ],
      5,
    )!;
    expect(Math.abs(Math.abs(s.angle) - Math.PI)).toBeLessThan(0.01);
  });

  it('keys ids above 2^53 by their exact decimal text; our own echo is not another tadpole', () => {
    expect(Number(A)).toBe(Number(B));
    const pond = new Pond();
    pond.enter(A);
    pond.update({ id: A, x: 1, y: 1, angle: 0, momentum: 0, name: 'me' }, 0);
    pond.update({ id: B, x: 5, y: 5, angle: 0, momentum: 0, name: 'bob' }, 0);
    pond.update({ id: '2100000000000000003', x: 9, y: 9, angle: 0, momentum: 0, name: 'carol' }, 0);
    expect([...pond.others.keys()]).toEqual(['2100000000000000002', '2100000000000000003']);
    expect(pond.players()).toBe(3);
    expect(pond.updatesPerSecond()).toBe(3); // our echo counts as traffic
  });

  it('fades a tadpole whose updates stop, then forgets it, even without a leave', () => {
    const pond = new Pond({ staleAfter: 3000, fadeDuration: 1000 });
    pond.enter(A);
    pond.update({ id: B, x: 0, y: 0, angle: 0, momentum: 0, name: 'bob' }, 0);
    pond.step(2999);
    expect(pond.snapshot().others[0]!.alpha).toBe(1);
    pond.step(3500);
    expect(pond.snapshot().others[0]!.alpha).toBeCloseTo(0.5);
    pond.update({ id: B, x: 1, y: 0, angle: 0, momentum: 0, name: 'bob' }, 3600); // it speaks again: back to full
    pond.step(3700);
    expect(pond.snapshot().others[0]!.alpha).toBe(1);
    pond.step(3600 + 4000);
    expect(pond.snapshot().others).toEqual([]);
  });

  it('leave removes at once; messages become bubbles that expire; unknown ids are ignored', () => {
    const pond = new Pond({ bubbleDuration: 1000 });
    pond.enter(A);
    pond.update({ id: B, x: 0, y: 0, angle: 0, momentum: 0, name: 'bob' }, 0);
    pond.message({ id: B, message: 'hi 👋' }, 10);
    pond.message({ id: A, message: 'me too' }, 10);
    pond.message({ id: big('2100000000000000009'), message: 'who?' }, 10);
    pond.step(20);
    expect(pond.snapshot().others[0]!.bubble).toBe('hi 👋');
    expect(pond.snapshot().me.bubble).toBe('me too');
    pond.step(1010);
    expect(pond.snapshot().others[0]!.bubble).toBeUndefined();
    expect(pond.snapshot().me.bubble).toBeUndefined();
    pond.leave({ id: B });
    expect(pond.players()).toBe(1);
    pond.leaveWorld();
    expect(pond.players()).toBe(0);
  });

  it('pushes with missing or non-numeric fields do not put NaN on the screen', () => {
    const pond = new Pond({ delay: 0 });
    pond.enter(A);
    pond.update({ id: B, x: 10, y: 20, angle: 1, momentum: 0, name: 'bob' }, 0);
    pond.update({ id: B, x: 'far', y: null }, 50);
    pond.update(null, 60);
    pond.step(100);
    expect(pond.snapshot().others).toMatchObject([{ x: 10, y: 20, angle: 1, name: 'bob' }]);
  });

  it('the update gate sends at most every `interval` ms, what changed, and a still tadpole once per `keepAlive` ms', () => {
    const gate = new UpdateGate(80, 1000);
    const me = new Pond().me;
    expect(gate.next(me, 0)).toBeUndefined(); // not in the world yet
    me.id = A;
    expect(gate.next(me, 0)).toEqual({ id: A, x: 0, y: 0, name: 'guest', momentum: 0, angle: 0 });
    me.x = 5;
    expect(gate.next(me, 50)).toBeUndefined(); // too soon
    expect(gate.next(me, 80)).toMatchObject({ x: 5 });
    expect(gate.next(me, 500)).toBeUndefined(); // nothing changed
    expect(gate.next(me, 1079)).toBeUndefined();
    expect(gate.next(me, 1080)).toMatchObject({ x: 5 }); // still here: newcomers learn of us, nobody fades us out
    gate.reset();
    expect(gate.next(me, 1081)).toMatchObject({ x: 5 }); // after a reconnect the world must hear of us again
  });

  it('our tadpole swims towards the target and stops there', () => {
    const me = new Pond().me;
    for (let i = 0; i < 600; i++) swim(me, { x: 300, y: -200 }, 1 / 60);
    expect(Math.hypot(me.x - 300, me.y + 200)).toBeLessThan(10);
    for (let i = 0; i < 120; i++) swim(me, undefined, 1 / 60);
    expect(me.momentum).toBe(0);
  });
});
