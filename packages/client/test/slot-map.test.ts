import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotMap } from '../src/slot-map.js';

/** One operation on both maps; keys from a small range so that sets, gets and deletes hit existing keys often. */
const op = fc.record({
  kind: fc.constantFrom('set' as const, 'delete' as const, 'walk' as const),
  key: fc.integer({ min: 1, max: 6 }),
});

/** The key holding `value` (values are unique: each set stores its step number). */
const keyOf = (map: { get(key: number): number | undefined }, value: number) =>
  [1, 2, 3, 4, 5, 6].find((key) => map.get(key) === value) as number;

describe('SlotMap', () => {
  it('behaves as a Map: get, has, size, delete and insertion order, after any sequence of sets and deletes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const model = new Map<number, number>();
        const slot = new SlotMap<number, number>();
        ops.forEach((o, step) => {
          if (o.kind === 'set') {
            model.set(o.key, step);
            expect(slot.set(o.key, step)).toBe(slot);
          } else if (o.kind === 'delete') {
            expect(slot.delete(o.key)).toBe(model.delete(o.key));
          } else {
            // A walk that deletes the entry it is on and the key `o.key`, as the request table's rejectAll and
            // timeout sweep delete what they settle: both maps go on with the entries left, in the same order.
            const walk = (map: typeof slot | typeof model) => {
              const seen: number[] = [];
              for (const value of map.values()) {
                seen.push(value);
                map.delete(keyOf(map, value));
                map.delete(o.key);
              }
              return seen;
            };
            expect(walk(slot)).toEqual(walk(model));
          }
          expect(slot.size).toBe(model.size);
          expect([...slot.values()]).toEqual([...model.values()]);
          for (let key = 0; key <= 7; key++) {
            expect(slot.has(key)).toBe(model.has(key));
            expect(slot.get(key)).toBe(model.get(key));
          }
        });
      }),
    );
  });

  it('keeps a lone entry in the slot and the others in order behind it', () => {
    const slot = new SlotMap<number, string>();
    slot.set(1, 'a');
    slot.set(2, 'b');
    slot.set(3, 'c');
    expect([...slot.values()]).toEqual(['a', 'b', 'c']);
    // The slot empties; the next entry joins the others while any is left, so the order stays that of insertion.
    slot.delete(1);
    slot.set(4, 'd');
    expect([...slot.values()]).toEqual(['b', 'c', 'd']);
    slot.delete(2);
    slot.delete(3);
    slot.delete(4);
    expect(slot.size).toBe(0);
    slot.set(5, 'e');
    slot.set(5, 'E');
    expect([...slot.values()]).toEqual(['E']);
    expect(slot.delete(6)).toBe(false);
    expect(slot.delete(5)).toBe(true);
    expect(slot.get(5)).toBeUndefined();
  });
});
