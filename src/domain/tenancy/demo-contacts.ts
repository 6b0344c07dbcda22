/**
 * The demo tenant's agent list: fictitious US numbers only. 555-0100 to 555-0199 is the range NANPA
 * reserves for fiction in every area code, so no real person is ever "called" by the demo, even
 * through a real telephony provider by mistake.
 */

/** Area codes of a few US cities, each with the time zone its contacts are called in. */
const AREAS: readonly [areaCode: string, timeZone: string][] = [
  ['212', 'America/New_York'],
  ['312', 'America/Chicago'],
  ['415', 'America/Los_Angeles'],
  ['512', 'America/Chicago'],
  ['617', 'America/New_York'],
  ['702', 'America/Los_Angeles'],
];

const FIRST = ['Avery', 'Blake', 'Casey', 'Devon', 'Emery', 'Finley', 'Harper', 'Jordan', 'Morgan', 'Quinn', 'Riley'];
const LAST = [
  'Adams',
  'Brooks',
  'Carter',
  'Diaz',
  'Ellis',
  'Foster',
  'Garcia',
  'Hayes',
  'Kim',
  'Lopez',
  'Nguyen',
  'Patel',
];

export interface DemoContact {
  phoneNumber: string;
  firstName: string;
  lastName: string;
  timeZone: string;
}

/** Every number of the reserved range in each area code: 600 contacts, as addContacts rows. */
export function demoAgentContacts(): DemoContact[] {
  const rows: DemoContact[] = [];
  for (const [area, timeZone] of AREAS) {
    for (let line = 100; line <= 199; line++) {
      const i = rows.length;
      rows.push({
        phoneNumber: `+1${area}5550${line}`,
        firstName: FIRST[i % FIRST.length]!,
        lastName: LAST[Math.floor(i / FIRST.length) % LAST.length]!,
        timeZone,
      });
    }
  }
  return rows;
}
