import { catalogue, parseCatalogue, severityOf } from './catalogue';

describe('requirement catalogue', () => {
  it('reads every entry of spec/sosimple-requirements.md', () => {
    const all = [...catalogue().values()];
    expect(all.length).toBe(73);
    expect(new Set(all.map((r) => r.area))).toEqual(new Set(['ID', 'WIRE', 'RING', 'JOIN', 'MAINT', 'REG', 'LOOKUP', 'PRES', 'ERR']));
  });

  it('keeps level, sections, capability and observability', () => {
    const c = catalogue();
    expect(c.get('SOS-WIRE-7')!.level).toBe('SHOULD');
    expect(c.get('SOS-JOIN-6')!.sections).toContain('§6.3.2');
    expect(c.get('SOS-RING-5')!.capability).toBe('probe');
    expect(c.get('SOS-PRES-3')!.observable).toBe(false);
    expect(c.get('SOS-ID-1')!.text).toMatch(/40 \*\*lower-case\*\*/);
    expect(severityOf('SOS-WIRE-6')).toBe('error');
    expect(severityOf('SOS-WIRE-11')).toBe('warning');
  });

  it('joins continuation lines and rejects an entry it cannot read, naming the line', () => {
    const r = parseCatalogue('## x\n- **SOS-X-1 MUST** first\n  second line (§1.2)\n\n');
    expect(r).toEqual([expect.objectContaining({ id: 'SOS-X-1', text: 'first second line (§1.2)', sections: ['§1.2'] })]);
    expect(() => parseCatalogue('\n- **SOS-X-1 OUGHT** nope')).toThrow(/:2: cannot read/);
  });
});
