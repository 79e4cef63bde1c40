import { areaOf, collateralOf, CONSEQUENCES } from './selftest';

describe('self-test verdicts', () => {
  it('areaOf takes the catalogue area of a requirement ID', () => {
    expect(areaOf('SOS-JOIN-3')).toBe('SOS-JOIN');
    expect(areaOf('SOS-WIRE-13')).toBe('SOS-WIRE');
  });

  it('a failure in the fault\'s own area is never collateral', () => {
    expect(collateralOf('no-to-tag', 'SOS-WIRE-1', ['SOS-WIRE-1', 'SOS-WIRE-6'])).toEqual([]);
  });

  it('a failure in another area is collateral unless the fault lists it as a consequence', () => {
    expect(collateralOf('no-to-tag', 'SOS-WIRE-1', ['SOS-WIRE-1', 'SOS-REG-6'])).toEqual(['SOS-REG-6']);
    expect(collateralOf('no-stabilize', 'SOS-MAINT-4', ['SOS-MAINT-4', 'SOS-RING-2', 'SOS-ERR-1'])).toEqual(['SOS-ERR-1']);
  });

  it('every listed consequence names areas or requirement IDs and says why', () => {
    for (const [fault, c] of Object.entries(CONSEQUENCES)) {
      expect({ fault, bad: c.allowed.filter((a) => !/^SOS-[A-Z]+(-\d+)?$/.test(a)), why: c.why.length > 10 }).toEqual({ fault, bad: [], why: true });
    }
  });
});
