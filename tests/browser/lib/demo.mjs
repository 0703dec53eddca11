// The demo sign-ins booking seeds when [demo] enabled = true
// (booking/book_demo.c; every password is "parlour-demo"). One place to
// change if the seed changes.
const PW = 'parlour-demo';
export const DEMO = {
  family: { username: 'family.ann', password: PW },        // Ann Baker: visitor herself and her daughter Lily
  bannedFamily: { username: 'family.ben', password: PW },  // Ben Carter: a contact of Tom Baker with a ban
  prisoner: { username: 'prisoner.tom', password: PW },    // Tom Baker, A1234BC, HMP Parlour
  staff: { username: 'staff.booking', password: PW },
  monitor: { username: 'staff.monitor', password: PW },
  officer: { username: 'officer.olu', password: PW },
  probationer: { username: 'probationer.pat', password: PW },
  clinician: { username: 'clinician.chen', password: PW },
  legal: { username: 'legal.lee', password: PW },
};
DEMO.admin = { username: 'admin', password: PW };
DEMO.reviewer = { username: 'staff.reviewer', password: PW };
DEMO.interpreter = { username: 'interpreter.ivy', password: PW }; // Ivy Evans, BSL, HMP Parlour
