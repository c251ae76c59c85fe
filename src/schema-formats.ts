// The string formats the schemas use: ajv-formats' full validators, behind a fast path for the date spellings
// snapshots nearly always use. A 100,000-user snapshot has some 300,000 dates, and ajv-formats' date-time (a
// split and two regular expressions each) was a tenth of such a scan. The fast path only ever says yes, and only to
// strings the full validator accepts (a property test holds the two together); anything else goes to ajv-formats.

import ajvFormats from "ajv-formats/dist/formats.js";
import { canonicalDate } from "./policy/operations.js";

const full = ajvFormats.fullFormats;

interface FormatDefinition {
  validate: (value: string) => boolean;
  compare?: (a: string, b: string) => number | undefined;
}

const fullDateTime = full["date-time"] as FormatDefinition;
const fullDate = full.date as FormatDefinition;

/**
 * By name, as Ajv's addFormat takes them and as the standalone validators read them (`chatauditFormats[name]`):
 * the compiled and the generated validators call the same functions.
 */
export const chatauditFormats = {
  "date-time": {
    ...fullDateTime,
    // "2026-05-31T08:00:00Z" and "2026-05-31T08:00:00.000Z", with real months, days, hours, minutes and seconds.
    validate: (value: string) => (value.length >= 20 && canonicalDate(value) !== undefined) || fullDateTime.validate(value),
  },
  date: {
    ...fullDate,
    // "2026-05-31", a day that exists.
    validate: (value: string) => (value.length === 10 && canonicalDate(value) !== undefined) || fullDate.validate(value),
  },
  uri: full.uri,
};
