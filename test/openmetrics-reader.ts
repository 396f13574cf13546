import assert from 'node:assert/strict';

export interface Parsed {
  families: Map<string, { type: string; help: string; unit?: string }>;
  samples: { name: string; family: string; labels: Record<string, string>; value: number }[];
}

const SUFFIXES: Record<string, string[]> = { counter: ['_total', '_created'], gauge: [''], info: ['_info'], unknown: [''] };

/** A strict reader of the OpenMetrics text format (the parts a counter, gauge and info family use). */
export function parseOpenMetrics(text: string): Parsed {
  assert.ok(text.endsWith('# EOF\n'), 'ends with # EOF and a newline');
  const lines = text.slice(0, -'# EOF\n'.length).split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
  const families: Parsed['families'] = new Map();
  const samples: Parsed['samples'] = [];
  let current: string | null = null;
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  for (const line of lines) {
    const meta = /^# (TYPE|HELP|UNIT) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, fam, rest] = meta;
      assert.match(fam, name);
      if (kind === 'TYPE') {
        assert.ok(!families.has(fam), `family ${fam} declared once`);
        assert.ok(['counter', 'gauge', 'info'].includes(rest), `type ${rest}`);
        assert.ok(rest !== 'counter' || !/_total$/.test(fam), 'a counter family is named without _total');
        families.set(fam, { type: rest, help: '' });
        current = fam;
      } else {
        assert.ok(fam === current, `${kind} belongs to the family just declared`);
        if (kind === 'HELP') families.get(fam)!.help = rest;
        else {
          assert.ok(fam.endsWith(`_${rest}`), 'a unit is the suffix of the name');
          families.get(fam)!.unit = rest;
        }
      }
      continue;
    }
    assert.ok(!line.startsWith('#'), `no other comment: ${line}`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `sample line: ${JSON.stringify(line)}`);
    const [, sampleName, labelText, valueText] = m;
    assert.ok(current && SUFFIXES[families.get(current)!.type].some((s) => sampleName === current + s), `${sampleName} is a sample of ${current}`);
    const labels: Record<string, string> = {};
    if (labelText) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/y;
      let at = 0;
      while (at < labelText.length) {
        re.lastIndex = at;
        const l = re.exec(labelText);
        assert.ok(l, `labels: ${labelText}`);
        assert.ok(!(l[1] in labels), 'a label once');
        labels[l[1]] = l[2].replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
        at = re.lastIndex;
      }
    }
    const value = Number(valueText);
    assert.ok(Number.isFinite(value) || /^[+-]Inf$|^NaN$/.test(valueText), `value ${valueText}`);
    if (families.get(current)!.type === 'counter') assert.ok(value >= 0, 'counters are not negative');
    samples.push({ name: sampleName, family: current, labels, value });
  }
  return { families, samples };
}
